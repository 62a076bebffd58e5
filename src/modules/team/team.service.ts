import { requirePermission, type TenantContext } from '../../app/context.js';
import type { MailPort } from '../../adapters/mail/port.js';
import type { Db, Executor } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { withTx } from '../../db/tx.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { AppError, notFound } from '../../lib/errors.js';
import { toPage, type TPageQuery } from '../../lib/pagination.js';
import { auditSource, type AuditService } from '../audit/audit.service.js';
import { hashPassword, passwordStrength, verifyPassword } from '../auth/passwords.js';
import { PERMISSION_CATALOGUE } from '../rbac/permissions.js';
import { assertOwnerRemains, assertWithinOwnAccess, permissionsOfRole } from '../rbac/rbac.guards.js';
import { assignRole, createRbacRepo, heldAccess, type RbacRepo } from '../rbac/rbac.repo.js';
import { passwordPolicyOf } from '../tenants/tenant-policy.js';
import { createTenantsRepo } from '../tenants/tenants.repo.js';
import { createUsersRepo } from '../users/users.repo.js';
import type { UsersService } from '../users/users.service.js';
import { createTeamRepo, type InvitationWithRole } from './team.repo.js';
import type { TAcceptInvitationBody, TInvitation, TInviteBody } from './team.schemas.js';

export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

const toInvitation = ({ invitation, roleKey, roleName }: InvitationWithRole, now = new Date()): TInvitation => ({
  id: invitation.id,
  email: invitation.email,
  role: { key: roleKey, name: roleName },
  status: invitation.expiresAt > now ? 'pending' : 'expired',
  invitedBy: invitation.invitedBy,
  expiresAt: invitation.expiresAt.toISOString(),
  createdAt: invitation.createdAt.toISOString(),
  updatedAt: invitation.updatedAt.toISOString(),
});

export type TeamDeps = {
  db: Db;
  audit: Pick<AuditService, 'record'>;
  mail: Pick<MailPort, 'send'>;
  publicUrl: string;
  users: Pick<UsersService, 'remove'>;
};

/** Invitations, members' roles, and the overview a team page needs. */
export const createTeamService = (deps: TeamDeps) => {
  const repo = createTeamRepo(deps.db);

  const audit = (executor: Executor, ctx: TenantContext, action: string, target: { type: string; id: string }, metadata: Record<string, unknown> = {}) =>
    deps.audit.record(executor, { ...auditSource(ctx), action, target, metadata });

  /** The role to hand out, which the caller must fully hold themselves. */
  const grantableRole = async (scoped: RbacRepo, ctx: TenantContext, roleKey: string) => {
    const role = await scoped.findRoleByKey(roleKey);
    if (!role) throw new AppError('VALIDATION_ERROR', `Unknown role "${roleKey}"`, { catalogue: '/api/v1/roles' });
    assertWithinOwnAccess(ctx, permissionsOfRole(role, await scoped.storedPermissions([role.id])), `give the role "${role.key}"`);
    return role;
  };

  const mailInvitation = async (ctx: TenantContext, email: string, token: string) => {
    const tenant = await createTenantsRepo(deps.db).forTenant(ctx).find();
    const link = `${deps.publicUrl}/accept-invitation?token=${encodeURIComponent(token)}`;
    await deps.mail.send({
      to: email,
      tenantId: ctx.tenantId,
      subject: `You are invited to join ${tenant?.name ?? 'a team'} on Switchboard`,
      text: `Hello,\n\nyou are invited to join ${tenant?.name ?? 'a team'} on Switchboard. Accept within 7 days:\n${link}\n\n(API: POST ${deps.publicUrl}/api/v1/team/invitations/accept with {"token": "${token}"}.)\nIf you did not expect this, ignore this message.`,
    });
  };

  return {
    invite: async (ctx: TenantContext, input: TInviteBody) => {
      requirePermission(ctx, 'team:invite');
      const token = randomToken(32);
      const invitation = await withTx(deps.db, async (tx) => {
        const role = await grantableRole(createRbacRepo(tx).forTenant(ctx), ctx, input.roleKey);
        const existing = await createUsersRepo(tx).findByEmail(input.email);
        if (existing && (await createUsersRepo(tx).forTenant(ctx).findMember(existing.id))) {
          throw new AppError('CONFLICT', 'This person is already a member of the team');
        }
        const scoped = createTeamRepo(tx).forTenant(ctx);
        await scoped.revokeExpiredFor(input.email);
        const row = await scoped
          .insert({
            email: input.email,
            roleId: role.id,
            tokenHash: sha256Hex(token),
            invitedBy: ctx.actor.type === 'user' ? ctx.actor.id : null,
            expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
          })
          .catch((error: unknown) => {
            if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'This address already has a pending invitation; resend it instead');
            throw error;
          });
        await audit(tx, ctx, 'invitation.created', { type: 'invitation', id: row.id }, { email: input.email, role: role.key });
        return toInvitation({ invitation: row, roleKey: role.key, roleName: role.name });
      });
      await mailInvitation(ctx, invitation.email, token);
      return invitation;
    },

    listPending: async (ctx: TenantContext, query: TPageQuery) => {
      requirePermission(ctx, 'team:read');
      const { items, total } = await repo.forTenant(ctx).listPending(query);
      return toPage(items.map((item) => toInvitation(item)), total, query);
    },

    revoke: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'team:invite');
      await withTx(deps.db, async (tx) => {
        if (!(await createTeamRepo(tx).forTenant(ctx).revoke(id))) throw notFound('Invitation');
        await audit(tx, ctx, 'invitation.revoked', { type: 'invitation', id });
      });
    },

    /** A new token and a fresh 7 days; the previously mailed link stops working. */
    resend: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'team:invite');
      const token = randomToken(32);
      const invitation = await withTx(deps.db, async (tx) => {
        const scoped = createTeamRepo(tx).forTenant(ctx);
        if (!(await scoped.findPending(id))) throw notFound('Invitation');
        await scoped.rotateToken(id, sha256Hex(token), new Date(Date.now() + INVITATION_TTL_MS));
        await audit(tx, ctx, 'invitation.resent', { type: 'invitation', id });
        return toInvitation((await scoped.findPending(id))!);
      });
      await mailInvitation(ctx, invitation.email, token);
      return invitation;
    },

    /**
     * Public: the token is the credential, and it identifies the tenant. A new address gets an account (the mailed
     * token proves the address, so it starts verified); an existing account with a password must give it, so a
     * leaked link alone cannot attach someone's account to a tenant.
     */
    accept: async (input: TAcceptInvitationBody) =>
      withTx(deps.db, async (tx) => {
        const team = createTeamRepo(tx);
        const found = await team.findAcceptable(sha256Hex(input.token));
        if (!found) throw new AppError('RESOURCE_NOT_FOUND', 'This invitation is invalid, already used, revoked or expired');
        if (found.tenantStatus === 'suspended') throw new AppError('TENANT_SUSPENDED', 'This tenant is suspended');
        const { invitation } = found;
        const ctx = { tenantId: invitation.tenantId };
        const users = createUsersRepo(tx);
        const existing = await users.findByEmail(invitation.email);
        let userId: string;
        if (existing) {
          if (existing.passwordHash && !(input.password && (await verifyPassword(existing.passwordHash, input.password)))) {
            throw new AppError('AUTHENTICATION_FAILED', 'An account with this e-mail exists: give its current password to join');
          }
          if (await users.forTenant(ctx).findMember(existing.id)) throw new AppError('CONFLICT', 'You are already a member of this team');
          userId = existing.id;
        } else {
          if (!input.password || !input.firstName || !input.lastName) {
            throw new AppError('VALIDATION_ERROR', 'A new account needs password, firstName and lastName');
          }
          const tenant = await createTenantsRepo(tx).forTenant(ctx).find();
          const strength = passwordStrength(input.password, passwordPolicyOf(tenant ?? { security: {} }));
          if (!strength.isValid) {
            throw new AppError('VALIDATION_ERROR', `The password ${strength.reasons.join('; ')}`, { fields: [{ path: 'password', reasons: strength.reasons }] });
          }
          const user = await users.insert({
            email: invitation.email,
            firstName: input.firstName,
            lastName: input.lastName,
            passwordHash: await hashPassword(input.password),
            emailVerifiedAt: new Date(),
          });
          userId = user.id;
        }
        await users.forTenant(ctx).insertMembership(userId);
        await assignRole(tx, { tenantId: invitation.tenantId, userId, roleKey: found.roleKey });
        await team.markAccepted(invitation.id);
        await deps.audit.record(tx, {
          tenantId: invitation.tenantId,
          actor: { type: 'user', id: userId },
          action: 'invitation.accepted',
          target: { type: 'invitation', id: invitation.id },
          metadata: { role: found.roleKey, isNewAccount: !existing },
        });
        return { userId, tenantId: invitation.tenantId, tenantName: found.tenantName, role: found.roleKey, isNewAccount: !existing };
      }),

    removeMember: (ctx: TenantContext, userId: string) => deps.users.remove(ctx, userId, 'team:manage'),

    /** Replaces every role of the member with one; never demotes the last owner, never promotes beyond the caller. */
    changeRole: async (ctx: TenantContext, userId: string, roleKey: string) => {
      requirePermission(ctx, 'team:manage');
      return withTx(deps.db, async (tx) => {
        const scoped = createRbacRepo(tx).forTenant(ctx);
        if (!(await scoped.findMembership(userId))) throw notFound('User');
        const held = await heldAccess(tx, { tenantId: ctx.tenantId, userId });
        assertWithinOwnAccess(ctx, held.permissions, 'manage a user who holds more access than you');
        const role = await grantableRole(scoped, ctx, roleKey);
        if (held.roles.includes('owner') && role.key !== 'owner') await assertOwnerRemains(scoped, userId);
        await scoped.detachAllRoles(userId);
        await scoped.attachRole(userId, role.id);
        await audit(tx, ctx, 'user.role_changed', { type: 'user', id: userId }, { from: held.roles, to: role.key });
        return { userId, roles: [role.key] };
      });
    },

    stats: async (ctx: TenantContext) => {
      requirePermission(ctx, 'team:read');
      const { byRole, active, pendingInvitations } = await repo.forTenant(ctx).stats();
      const activeCount = active.find((row) => row.isActive)?.total ?? 0;
      const inactiveCount = active.find((row) => !row.isActive)?.total ?? 0;
      return {
        members: { total: activeCount + inactiveCount, active: activeCount, inactive: inactiveCount },
        byRole,
        pendingInvitations,
      };
    },

    permissionMatrix: async (ctx: TenantContext) => {
      requirePermission(ctx, 'team:read');
      const scoped = createRbacRepo(deps.db).forTenant(ctx);
      const roleRows = await scoped.listRoles();
      const stored = await scoped.storedPermissions(roleRows.map((role) => role.id));
      const granted = roleRows.map((role) => ({ key: role.key, permissions: new Set(permissionsOfRole(role, stored)) }));
      return {
        roles: roleRows.map((role) => ({ id: role.id, key: role.key, name: role.name, isBuiltin: role.isBuiltin })),
        rows: Object.entries(PERMISSION_CATALOGUE).flatMap(([module, permissions]) =>
          permissions.map((permission) => ({
            permission,
            module,
            roles: granted.filter((role) => role.permissions.has(permission)).map((role) => role.key),
          })),
        ),
      };
    },
  };
};

export type TeamService = ReturnType<typeof createTeamService>;
