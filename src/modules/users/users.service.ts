import { requirePermission, type TenantContext } from '../../app/context.js';
import type { MailPort } from '../../adapters/mail/port.js';
import type { Db, Executor } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { withTx } from '../../db/tx.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { AppError, notFound } from '../../lib/errors.js';
import { toPage } from '../../lib/pagination.js';
import { auditSource, type AuditService } from '../audit/audit.service.js';
import { createAuthRepo } from '../auth/auth.repo.js';
import { hashPassword, passwordStrength } from '../auth/passwords.js';
import { assertOwnerRemains, assertWithinOwnAccess, permissionsOfRole } from '../rbac/rbac.guards.js';
import { assignRole, createRbacRepo, heldAccess } from '../rbac/rbac.repo.js';
import { passwordPolicyOf } from '../tenants/tenant-policy.js';
import { createTenantsRepo } from '../tenants/tenants.repo.js';
import { createUsersRepo, type MemberRow } from './users.repo.js';
import type { TCreateUserBody, TListUsersQuery, TUpdateUserBody, TUser } from './users.schemas.js';

/** A set-password link must survive a weekend in an inbox, like an invitation. */
export const SET_PASSWORD_TTL_MS = 7 * 24 * 3600_000;

const toUser = (row: MemberRow, roleKeys: string[]): TUser => ({
  id: row.user.id,
  email: row.user.email,
  firstName: row.user.firstName,
  lastName: row.user.lastName,
  avatarUrl: row.user.avatarUrl,
  phone: row.user.phone,
  isActive: row.isActive,
  isEmailVerified: row.user.emailVerifiedAt !== null,
  hasPassword: row.user.passwordHash !== null,
  roles: roleKeys,
  lastLoginAt: row.user.lastLoginAt?.toISOString() ?? null,
  joinedAt: row.joinedAt.toISOString(),
  updatedAt: row.user.updatedAt.toISOString(),
});

export type UsersDeps = { db: Db; audit: Pick<AuditService, 'record'>; mail: Pick<MailPort, 'send'>; publicUrl: string };

/** People in a tenant: global accounts seen only through their membership here. */
export const createUsersService = (deps: UsersDeps) => {
  const repo = createUsersRepo(deps.db);

  const view = async (executor: Executor, ctx: TenantContext, userId: string) => {
    const scoped = createUsersRepo(executor).forTenant(ctx);
    const row = await scoped.findMember(userId);
    if (!row) throw notFound('User');
    return toUser(row, (await scoped.roleKeysOf([userId])).get(userId) ?? []);
  };

  /** Managing someone (editing, deactivating, removing, re-roling) needs at least the access they hold. */
  const assertCanManage = async (executor: Executor, ctx: TenantContext, userId: string) => {
    const member = await createUsersRepo(executor).forTenant(ctx).findMember(userId);
    if (!member) throw notFound('User');
    const held = await heldAccess(executor, { tenantId: ctx.tenantId, userId });
    assertWithinOwnAccess(ctx, held.permissions, 'manage a user who holds more access than you');
    return member;
  };

  const assertPasswordAllowed = async (ctx: TenantContext, password: string) => {
    const tenant = await createTenantsRepo(deps.db).forTenant(ctx).find();
    const strength = passwordStrength(password, passwordPolicyOf(tenant ?? { security: {} }));
    if (!strength.isValid) {
      throw new AppError('VALIDATION_ERROR', `The password ${strength.reasons.join('; ')}`, { fields: [{ path: 'password', reasons: strength.reasons }] });
    }
  };

  const audit = (executor: Executor, ctx: TenantContext, action: string, userId: string, metadata: Record<string, unknown> = {}) =>
    deps.audit.record(executor, { ...auditSource(ctx), action, target: { type: 'user', id: userId }, metadata });

  return {
    list: async (ctx: TenantContext, query: TListUsersQuery) => {
      requirePermission(ctx, 'users:read');
      const scoped = repo.forTenant(ctx);
      const { items, total } = await scoped.list(query);
      const roleKeys = await scoped.roleKeysOf(items.map((row) => row.user.id));
      return toPage(items.map((row) => toUser(row, roleKeys.get(row.user.id) ?? [])), total, query);
    },

    get: async (ctx: TenantContext, userId: string) => {
      requirePermission(ctx, 'users:read');
      return view(deps.db, ctx, userId);
    },

    /**
     * A new account that belongs to this tenant. An e-mail that already has an account is not taken over here: that
     * person joins through an invitation they accept themselves.
     */
    create: async (ctx: TenantContext, input: TCreateUserBody) => {
      requirePermission(ctx, 'users:write');
      const role = await createRbacRepo(deps.db).forTenant(ctx).findRoleByKey(input.roleKey);
      if (!role) throw new AppError('VALIDATION_ERROR', `Unknown role "${input.roleKey}"`, { catalogue: '/api/v1/roles' });
      const stored = await createRbacRepo(deps.db).forTenant(ctx).storedPermissions([role.id]);
      assertWithinOwnAccess(ctx, permissionsOfRole(role, stored), `give the role "${role.key}"`);
      if (input.password) await assertPasswordAllowed(ctx, input.password);
      const passwordHash = input.password ? await hashPassword(input.password) : null;
      const setPasswordToken = passwordHash ? undefined : randomToken(32);

      const created = await withTx(deps.db, async (tx) => {
        const users = createUsersRepo(tx);
        if (await users.findByEmail(input.email)) {
          throw new AppError('CONFLICT', 'An account with this e-mail already exists; invite it with POST /api/v1/team/invitations');
        }
        const user = await users
          .insert({ email: input.email, firstName: input.firstName, lastName: input.lastName, passwordHash })
          .catch((error: unknown) => {
            if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'An account with this e-mail already exists');
            throw error;
          });
        await users.forTenant(ctx).insertMembership(user.id);
        await assignRole(tx, { tenantId: ctx.tenantId, userId: user.id, roleKey: role.key });
        if (setPasswordToken) {
          // The password-reset code of the auth module doubles as the set-password code: one flow to choose a password.
          await createAuthRepo(tx).replaceUserToken({
            userId: user.id,
            purpose: 'password_reset',
            tokenHash: sha256Hex(setPasswordToken),
            expiresAt: new Date(Date.now() + SET_PASSWORD_TTL_MS),
          });
        }
        await audit(tx, ctx, 'user.created', user.id, { role: role.key, hasPassword: passwordHash !== null });
        return view(tx, ctx, user.id);
      });

      if (setPasswordToken) {
        await deps.mail.send({
          to: created.email,
          tenantId: ctx.tenantId,
          subject: 'Your Switchboard account: choose a password',
          text: `Hello ${created.firstName},\n\nan account was created for you on Switchboard. Choose your password by sending this code (valid 7 days, works once) with your new password to POST ${deps.publicUrl}/api/v1/auth/password/reset:\n\n${setPasswordToken}\n`,
        });
      }
      return created;
    },

    /** Account fields are shared by every tenant of the account, so a tenant edits them only while it is the only one. */
    update: async (ctx: TenantContext, userId: string, patch: TUpdateUserBody) => {
      requirePermission(ctx, 'users:write');
      return withTx(deps.db, async (tx) => {
        await assertCanManage(tx, ctx, userId);
        const scoped = createUsersRepo(tx).forTenant(ctx);
        if ((await scoped.otherTenantCount(userId)) > 0) {
          throw new AppError('CONFLICT', 'This account also belongs to other tenants; only its owner can change it (PUT /api/v1/users/me/profile)');
        }
        await scoped.updateAccount(userId, patch);
        await audit(tx, ctx, 'user.updated', userId, { fields: Object.keys(patch) });
        return view(tx, ctx, userId);
      });
    },

    /** A deactivated member keeps roles and data but cannot sign in to this tenant; their sessions here end. */
    setActive: async (ctx: TenantContext, userId: string, isActive: boolean) => {
      requirePermission(ctx, 'users:write');
      return withTx(deps.db, async (tx) => {
        const member = await assertCanManage(tx, ctx, userId);
        const scoped = createUsersRepo(tx).forTenant(ctx);
        if (member.isActive !== isActive) {
          if (!isActive) {
            await assertOwnerRemains(createRbacRepo(tx).forTenant(ctx), userId);
            await scoped.revokeSessions(userId);
          }
          await scoped.setActive(userId, isActive);
          await audit(tx, ctx, isActive ? 'user.activated' : 'user.deactivated', userId);
        }
        return view(tx, ctx, userId);
      });
    },

    /** Removes the membership; the account itself goes only when no tenant is left holding it. */
    remove: async (ctx: TenantContext, userId: string, permission: 'users:delete' | 'team:manage' = 'users:delete') => {
      requirePermission(ctx, permission);
      await withTx(deps.db, async (tx) => {
        await assertCanManage(tx, ctx, userId);
        await assertOwnerRemains(createRbacRepo(tx).forTenant(ctx), userId);
        const users = createUsersRepo(tx);
        await users.forTenant(ctx).revokeSessions(userId);
        await users.forTenant(ctx).removeMembership(userId);
        await users.deleteIfOrphaned(userId);
        await audit(tx, ctx, 'user.removed', userId);
      });
    },

    updateProfile: async (ctx: TenantContext, patch: TUpdateUserBody) => {
      requirePermission(ctx, 'profile:write');
      if (ctx.actor.type !== 'user') throw new AppError('INSUFFICIENT_PERMISSIONS', 'Only a signed-in user has a profile; API keys do not');
      const userId = ctx.actor.id;
      return withTx(deps.db, async (tx) => {
        await createUsersRepo(tx).updateOwn(userId, patch);
        await audit(tx, ctx, 'user.profile_updated', userId, { fields: Object.keys(patch) });
        return view(tx, ctx, userId);
      });
    },
  };
};

export type UsersService = ReturnType<typeof createUsersService>;
