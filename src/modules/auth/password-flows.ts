import type { TenantContext } from '../../app/context.js';
import { withTx } from '../../db/tx.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { AppError } from '../../lib/errors.js';
import { passwordPolicyOf } from '../tenants/tenant-policy.js';
import { ZPasswordPolicy } from '../tenants/tenant-settings.schemas.js';
import { createAuthRepo, type UserRow } from './auth.repo.js';
import type { AuthDeps } from './auth.service.js';
import { hashPassword, passwordStrength, verifyPassword, type PasswordStrength } from './passwords.js';

const VERIFY_EMAIL_TTL_MS = 24 * 3600_000;
const PASSWORD_RESET_TTL_MS = 3600_000;

const DEFAULT_POLICY = ZPasswordPolicy.parse({});

/** The reset answer is the same whether or not the address has an account: the route must not confirm accounts. */
const RESET_ACCEPTED = { message: 'If an account exists for this address, a reset link is on its way' };

/** E-mail verification and the password life cycle (forgot, reset, update, validate). */
export const createPasswordFlows = (deps: AuthDeps) => {
  const repo = createAuthRepo(deps.db);

  /** A password must satisfy the policy of every tenant the user belongs to (none yet: the default policy). */
  const strengthUnder = (password: string, securities: unknown[]): PasswordStrength => {
    const policies = securities.length ? securities.map((security) => passwordPolicyOf({ security })) : [DEFAULT_POLICY];
    const results = policies.map((policy) => passwordStrength(password, policy));
    const reasons = [...new Set(results.flatMap((result) => result.reasons))];
    return { isValid: reasons.length === 0, score: Math.min(...results.map((result) => result.score)), reasons };
  };

  const assertAcceptable = (password: string, securities: unknown[]) => {
    const strength = strengthUnder(password, securities);
    if (!strength.isValid) {
      throw new AppError('VALIDATION_ERROR', `The password ${strength.reasons.join('; ')}`, { fields: [{ path: 'password', reasons: strength.reasons }] });
    }
  };

  const securitiesOf = async (userId: string) => (await repo.membershipsOf(userId)).map((membership) => membership.security);

  const sendVerification = async (user: Pick<UserRow, 'id' | 'email' | 'firstName'>, tenantId: string | null) => {
    const token = randomToken(32);
    await repo.replaceUserToken({ userId: user.id, purpose: 'verify_email', tokenHash: sha256Hex(token), expiresAt: new Date(Date.now() + VERIFY_EMAIL_TTL_MS) });
    const link = `${deps.publicUrl}/api/v1/auth/email/verify/${user.id}/${token}`;
    await deps.mail.send({
      to: user.email,
      tenantId,
      subject: 'Confirm your e-mail address',
      text: `Hello ${user.firstName},\n\nconfirm your e-mail address for Switchboard by opening this link (valid 24 hours):\n${link}\n\nIf you did not sign up, ignore this message.`,
    });
  };

  return {
    assertAcceptable,
    sendVerification,
    routes: {
      verifyEmail: async (userId: string, token: string) => {
        const consumed = await repo.consumeUserToken('verify_email', sha256Hex(token), userId);
        if (!consumed) throw new AppError('VALIDATION_ERROR', 'This verification link is invalid or has expired');
        await repo.markEmailVerified(userId);
        return { verified: true };
      },

      resendVerification: async (ctx: TenantContext) => {
        const user = await repo.findUserById(ctx.actor.id);
        if (!user) throw new AppError('AUTHENTICATION_FAILED', 'This account no longer exists');
        if (user.emailVerifiedAt) throw new AppError('CONFLICT', 'This e-mail address is already verified');
        const accountKey = `verify:${user.id}`;
        await deps.limiter.assertAllowed(accountKey);
        await deps.limiter.hit(accountKey);
        await sendVerification(user, ctx.tenantId);
        return { message: 'A new verification link is on its way' };
      },

      forgotPassword: async (email: string) => {
        const accountKey = `reset:${email}`;
        await deps.limiter.assertAllowed(accountKey);
        await deps.limiter.hit(accountKey);
        const user = await repo.findUserByEmail(email);
        if (!user) return RESET_ACCEPTED;
        const token = randomToken(32);
        await repo.replaceUserToken({ userId: user.id, purpose: 'password_reset', tokenHash: sha256Hex(token), expiresAt: new Date(Date.now() + PASSWORD_RESET_TTL_MS) });
        await deps.mail.send({
          to: user.email,
          tenantId: null,
          subject: 'Reset your password',
          text: `Hello ${user.firstName},\n\nsomeone asked to reset your Switchboard password. This code works once, for one hour:\n\n${token}\n\nSend it with your new password to POST ${deps.publicUrl}/api/v1/auth/password/reset.\nIf it was not you, ignore this message: your password is unchanged.`,
        });
        return RESET_ACCEPTED;
      },

      /** A reset ends every session of the account: whoever knew the old password is signed out everywhere. */
      resetPassword: async (token: string, password: string) => {
        const tokenHash = sha256Hex(token);
        const accountKey = `reset-token:${tokenHash}`;
        await deps.limiter.assertAllowed(accountKey);
        const consumed = await repo.consumeUserToken('password_reset', tokenHash);
        if (!consumed) {
          await deps.limiter.hit(accountKey);
          throw new AppError('VALIDATION_ERROR', 'This reset code is invalid, used or expired');
        }
        // Checked after consuming so a weak password cannot be used to probe codes; the user asks for a new code.
        assertAcceptable(password, await securitiesOf(consumed.userId));
        const passwordHash = await hashPassword(password);
        await withTx(deps.db, async (tx) => {
          await createAuthRepo(tx).setPassword(consumed.userId, passwordHash);
          await createAuthRepo(tx).markEmailVerified(consumed.userId);
        });
        await deps.sessions.revokeUserSessions(consumed.userId);
        return { message: 'Your password has been changed; sign in with it' };
      },

      /** Needs the current password; every other session of the account ends, this one stays signed in. */
      updatePassword: async (ctx: TenantContext, accessToken: string, input: { currentPassword: string; newPassword: string }) => {
        const user = await repo.findUserById(ctx.actor.id);
        const claims = await deps.accessTokens.verify(accessToken);
        if (!user || !claims) throw new AppError('AUTHENTICATION_FAILED', 'Invalid access token');
        const accountKey = `password-update:${user.id}`;
        await deps.limiter.assertAllowed(accountKey);
        if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
          await deps.limiter.hit(accountKey);
          throw new AppError('VALIDATION_ERROR', 'The current password is wrong', { fields: [{ path: 'currentPassword', message: 'is wrong' }] });
        }
        assertAcceptable(input.newPassword, await securitiesOf(user.id));
        await repo.setPassword(user.id, await hashPassword(input.newPassword));
        await deps.sessions.revokeUserSessions(user.id, claims.sid);
        await deps.audit.record(deps.db, {
          tenantId: ctx.tenantId,
          actor: ctx.actor,
          action: 'auth.password_changed',
          target: { type: 'user', id: user.id },
          requestId: ctx.requestId,
          ip: ctx.ip ?? null,
          userAgent: ctx.userAgent ?? null,
        });
        return { message: 'Your password has been changed; your other sessions were signed out' };
      },

      /** Against the caller's tenant policy when a valid access token comes along; otherwise the default policy. */
      validatePassword: async (password: string, accessToken?: string) => {
        const claims = accessToken ? await deps.accessTokens.verify(accessToken).catch(() => undefined) : undefined;
        const tenant = claims ? await repo.findTenantSecurity(claims.tenant_id) : undefined;
        return strengthUnder(password, tenant ? [tenant.security] : []);
      },
    },
  };
};
