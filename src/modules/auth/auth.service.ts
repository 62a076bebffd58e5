import type { Logger } from 'pino';

import type { MailPort } from '../../adapters/mail/port.js';
import type { PlatformContext, TenantContext } from '../../app/context.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { withTx } from '../../db/tx.js';
import { AppError } from '../../lib/errors.js';
import type { AuditEntry } from '../audit/audit.schemas.js';
import type { AuditService } from '../audit/audit.service.js';
import { assignRole, loadAccess } from '../rbac/rbac.repo.js';
import type { TenantsService } from '../tenants/tenants.service.js';
import type { AccessTokens } from './access-tokens.js';
import type { AccountLimiter } from './account-limiter.js';
import { createAuthRepo, type UserRow } from './auth.repo.js';
import type { TAuthUser, TLoginBody, TRegisterBody, TSession } from './auth.schemas.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.js';
import { createPasswordFlows } from './password-flows.js';
import type { RequestMeta, Sessions } from './sessions.js';
import type { SigningKeys } from './signing-keys.js';

export type AuthDeps = {
  db: Db;
  sessions: Sessions;
  accessTokens: AccessTokens;
  keys: SigningKeys;
  limiter: AccountLimiter;
  tenants: Pick<TenantsService, 'create'>;
  audit: Pick<AuditService, 'record'>;
  mail: MailPort;
  logger: Logger;
  publicUrl: string;
};

const invalidCredentials = () => new AppError('AUTHENTICATION_FAILED', 'Invalid e-mail or password');

const anonymous = (meta: RequestMeta & { requestId?: string }) => ({ ip: meta.ip ?? null, userAgent: meta.userAgent ?? null, requestId: meta.requestId ?? null });

export type SignInMeta = RequestMeta & { requestId?: string };

/** Registration, sign-in, refresh, sign-out, the caller's identity, token revocation and key rotation. */
export const createAuthService = (deps: AuthDeps) => {
  const repo = createAuthRepo(deps.db);
  const passwords = createPasswordFlows(deps);

  const toAuthUser = async (user: UserRow, tenantId: string, access: { roles: string[]; permissions: string[] }): Promise<TAuthUser> => ({
    id: user.id,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    isEmailVerified: user.emailVerifiedAt !== null,
    tenantId,
    tenants: (await repo.membershipsOf(user.id)).map((membership) => ({ id: membership.tenantId, name: membership.name })),
    roles: access.roles,
    permissions: access.permissions,
  });

  const session = async (user: UserRow, started: { userId: string; tenantId: string; familyId: string; refreshToken: string }): Promise<TSession> => {
    const { tokens, access } = await deps.sessions.tokensFor(started);
    return { user: await toAuthUser(user, started.tenantId, access), tokens };
  };

  const recordStandalone = (entry: AuditEntry) =>
    deps.audit.record(deps.db, entry).catch((error: unknown) => deps.logger.error({ err: error, action: entry.action }, 'audit write failed'));

  /**
   * Creates an account in an existing tenant with a role (the first-start demo owner; test fixtures). Registration
   * and invitations have their own paths; this one is for operators and the platform itself.
   */
  const createAccount = async (input: { tenantId: string; email: string; password: string; firstName: string; lastName: string; roleKey: string }) => {
    const passwordHash = await hashPassword(input.password);
    return withTx(deps.db, async (tx) => {
      const txRepo = createAuthRepo(tx);
      const user = await txRepo.insertUser({ ...input, passwordHash, isEmailVerified: true });
      await txRepo.insertMembership(input.tenantId, user.id);
      await assignRole(tx, { tenantId: input.tenantId, userId: user.id, roleKey: input.roleKey });
      return user;
    });
  };

  return {
    createAccount,

    /** Starts a session for an existing member without a password (fixtures, social sign-in). */
    signInAs: async (userId: string, tenantId: string, meta: RequestMeta = {}) => {
      const user = await repo.findUserById(userId);
      if (!user) throw invalidCredentials();
      return session(user, await deps.sessions.start(deps.db, { tenantId, userId, ...meta }));
    },

    register: async (input: TRegisterBody, meta: SignInMeta): Promise<TSession> => {
      const accountKey = `register:${input.email}`;
      await deps.limiter.assertAllowed(accountKey);
      await deps.limiter.hit(accountKey);
      passwords.assertAcceptable(input.password, []);
      if (await repo.findUserByEmail(input.email)) throw new AppError('CONFLICT', 'An account with this e-mail already exists: sign in instead');
      const passwordHash = await hashPassword(input.password);
      const { user, started } = await withTx(deps.db, async (tx) => {
        const txRepo = createAuthRepo(tx);
        const tenant = await deps.tenants.create({ name: input.tenantName }, tx);
        const user = await txRepo.insertUser({ ...input, passwordHash, isEmailVerified: false });
        await txRepo.insertMembership(tenant.id, user.id);
        await assignRole(tx, { tenantId: tenant.id, userId: user.id, roleKey: 'owner' });
        const started = await deps.sessions.start(tx, { tenantId: tenant.id, userId: user.id, ...meta });
        await deps.audit.record(tx, {
          tenantId: tenant.id,
          actor: { type: 'user', id: user.id },
          action: 'auth.registered',
          target: { type: 'user', id: user.id },
          ...anonymous(meta),
        });
        return { user, started };
      }).catch((error: unknown) => {
        // Two registrations racing for one e-mail: the unique index decides, the loser gets the same answer.
        if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'An account with this e-mail already exists: sign in instead');
        throw error;
      });
      await passwords.sendVerification(user, started.tenantId);
      return session(user, started);
    },

    login: async (input: TLoginBody, meta: SignInMeta): Promise<TSession> => {
      const accountKey = `login:${input.email}`;
      await deps.limiter.assertAllowed(accountKey);
      const user = await repo.findUserByEmail(input.email);
      const isValid = user?.passwordHash ? await verifyPassword(user.passwordHash, input.password) : (await burnPasswordCheck(input.password), false);
      const memberships = user ? await repo.membershipsOf(user.id) : [];
      const membership = input.tenantId ? memberships.find((item) => item.tenantId === input.tenantId) : memberships[0];
      if (!user || !isValid || !membership) {
        await deps.limiter.hit(accountKey);
        // Filed under the tenant the attempt targeted (or the user's first), so that tenant's admins see it.
        await recordStandalone({
          tenantId: (membership ?? memberships[0])?.tenantId ?? null,
          actor: { type: 'anonymous', id: null },
          action: 'auth.sign_in_failed',
          target: user ? { type: 'user', id: user.id } : undefined,
          metadata: { reason: !user ? 'unknown_email' : !isValid ? 'wrong_password' : 'not_a_member' },
          ...anonymous(meta),
        });
        throw invalidCredentials();
      }
      if (membership.status === 'suspended') throw new AppError('TENANT_SUSPENDED', 'This tenant is suspended');
      await deps.limiter.reset(accountKey);
      const started = await withTx(deps.db, async (tx) => {
        const started = await deps.sessions.start(tx, { tenantId: membership.tenantId, userId: user.id, ...meta });
        await createAuthRepo(tx).touchLastLogin(user.id);
        await deps.audit.record(tx, {
          tenantId: membership.tenantId,
          actor: { type: 'user', id: user.id },
          action: 'auth.sign_in',
          target: { type: 'user', id: user.id },
          metadata: { method: 'password' },
          ...anonymous(meta),
        });
        return started;
      });
      return session(user, started);
    },

    refresh: async (refreshToken: string, meta: RequestMeta): Promise<TSession> => {
      const rotated = await deps.sessions.rotate(refreshToken, meta);
      const user = await repo.findUserById(rotated.userId);
      if (!user) throw new AppError('AUTHENTICATION_FAILED', 'Invalid or expired refresh token');
      return { user: await toAuthUser(user, rotated.tenantId, rotated.access), tokens: rotated.tokens };
    },

    /** Ends the caller's session: its refresh family is revoked and this access token is denied until it expires. */
    logout: async (accessToken: string) => {
      const claims = await deps.accessTokens.verify(accessToken);
      if (!claims) throw new AppError('AUTHENTICATION_FAILED', 'Invalid access token');
      await deps.sessions.revokeFamily(claims.sid);
      await deps.sessions.denyAccessToken(claims.jti, claims.exp);
    },

    me: async (ctx: TenantContext): Promise<TAuthUser> => {
      const user = await repo.findUserById(ctx.actor.id);
      if (!user) throw new AppError('AUTHENTICATION_FAILED', 'This account no longer exists');
      return toAuthUser(user, ctx.tenantId, await loadAccess(deps.db, { tenantId: ctx.tenantId, userId: user.id }));
    },

    /**
     * RFC 7009 style: whoever holds a token may revoke it. A refresh token ends its session; an access token is
     * denied and ends its session too. Unknown tokens are answered the same way, so the route reveals nothing.
     */
    revokeToken: async (token: string) => {
      const familyId = await deps.sessions.familyOfRefreshToken(token);
      if (familyId) return deps.sessions.revokeFamily(familyId);
      const claims = await deps.accessTokens.verify(token).catch(() => undefined);
      if (!claims) return;
      await deps.sessions.revokeFamily(claims.sid);
      await deps.sessions.denyAccessToken(claims.jti, claims.exp);
    },

    rotateSigningKey: async (ctx: PlatformContext) => {
      const rotated = await deps.keys.rotate();
      await deps.audit.record(deps.db, {
        tenantId: null,
        actor: ctx.actor,
        action: 'auth.signing_key.rotated',
        target: { type: 'signing_key', id: rotated.kid },
        metadata: { retired: rotated.retired },
        requestId: ctx.requestId,
        ip: ctx.ip ?? null,
        userAgent: ctx.userAgent ?? null,
      });
      return rotated;
    },

    jwks: () => deps.keys.jwks(),

    ...passwords.routes,
  };
};

export type AuthService = ReturnType<typeof createAuthService>;
