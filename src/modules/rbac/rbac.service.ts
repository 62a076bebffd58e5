import { requirePermission, type TenantContext } from '../../app/context.js';
import type { Db, Executor } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { withTx } from '../../db/tx.js';
import { AppError, notFound } from '../../lib/errors.js';
import { auditSource, type AuditService } from '../audit/audit.service.js';
import { PERMISSION_CATALOGUE } from './permissions.js';
import { assertKnownPermissions, assertOwnerRemains, assertWithinOwnAccess, permissionsOfRole } from './rbac.guards.js';
import { createRbacRepo, loadAccess, type RbacRepo, type RoleRow } from './rbac.repo.js';
import type { TCreateRoleBody, TRole, TUpdateRoleBody, TUserAccess } from './rbac.schemas.js';

const describePermission = (key: string) => {
  const [module, action] = key.split(':') as [string, string];
  return { key, module, action };
};

const toRole = (row: RoleRow, permissions: string[], memberCount: number): TRole => ({
  id: row.id,
  key: row.key,
  name: row.name,
  description: row.description,
  isBuiltin: row.isBuiltin,
  permissions,
  memberCount,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export type RbacDeps = { db: Db; audit: Pick<AuditService, 'record'> };

/** Roles (built-in and custom), the permission catalogue, and who holds which role or direct permission. */
export const createRbacService = (deps: RbacDeps) => {
  const repo = createRbacRepo(deps.db);

  const audit = (executor: Executor, ctx: TenantContext, action: string, target: { type: string; id: string }, metadata: Record<string, unknown>) =>
    deps.audit.record(executor, { ...auditSource(ctx), action, target, metadata });

  const roleView = async (scoped: RbacRepo, row: RoleRow): Promise<TRole> => {
    const [stored, counts] = await Promise.all([scoped.storedPermissions([row.id]), scoped.memberCounts()]);
    return toRole(row, permissionsOfRole(row, stored), counts.get(row.id) ?? 0);
  };

  const findRole = async (scoped: RbacRepo, id: string) => {
    const row = await scoped.findRoleById(id);
    if (!row) throw notFound('Role');
    return row;
  };

  const customRole = async (scoped: RbacRepo, id: string) => {
    const row = await findRole(scoped, id);
    if (row.isBuiltin) throw new AppError('CONFLICT', `The built-in role "${row.key}" cannot be changed; create a custom role instead`);
    return row;
  };

  /** Another tenant's user id, or a user without a membership here, is simply not found. */
  const member = async (scoped: RbacRepo, userId: string) => {
    const membership = await scoped.findMembership(userId);
    if (!membership) throw notFound('User');
    return membership;
  };

  const userAccess = async (executor: Executor, ctx: TenantContext, userId: string): Promise<TUserAccess> => {
    const scoped = createRbacRepo(executor).forTenant(ctx);
    const membership = await member(scoped, userId);
    const [roleRows, direct, access] = await Promise.all([
      scoped.rolesOfUser(userId),
      scoped.directPermissions(userId),
      loadAccess(executor, { tenantId: ctx.tenantId, userId }),
    ]);
    return {
      userId,
      isActive: membership.isActive,
      roles: roleRows.map((role) => ({ id: role.id, key: role.key, name: role.name, isBuiltin: role.isBuiltin })),
      directPermissions: direct,
      effectivePermissions: access.permissions,
    };
  };

  return {
    catalogue: (ctx: TenantContext) => {
      requirePermission(ctx, 'roles:read');
      const items = Object.values(PERMISSION_CATALOGUE).flat().map(describePermission);
      return { items, total: items.length };
    },

    catalogueByModule: (ctx: TenantContext) => {
      requirePermission(ctx, 'roles:read');
      return Object.entries(PERMISSION_CATALOGUE).map(([module, permissions]) => ({ module, permissions: permissions.map(describePermission) }));
    },

    listRoles: async (ctx: TenantContext) => {
      requirePermission(ctx, 'roles:read');
      const scoped = repo.forTenant(ctx);
      const rows = await scoped.listRoles();
      const [stored, counts] = await Promise.all([scoped.storedPermissions(rows.map((row) => row.id)), scoped.memberCounts()]);
      return { items: rows.map((row) => toRole(row, permissionsOfRole(row, stored), counts.get(row.id) ?? 0)) };
    },

    getRole: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'roles:read');
      const scoped = repo.forTenant(ctx);
      return roleView(scoped, await findRole(scoped, id));
    },

    createRole: async (ctx: TenantContext, input: TCreateRoleBody) => {
      requirePermission(ctx, 'roles:write');
      const permissions = [...new Set(input.permissions)];
      assertKnownPermissions(permissions);
      assertWithinOwnAccess(ctx, permissions, 'create a role with these permissions');
      return withTx(deps.db, async (tx) => {
        const scoped = createRbacRepo(tx).forTenant(ctx);
        const row = await scoped.insertRole({ key: input.key, name: input.name, description: input.description ?? null }).catch((error: unknown) => {
          if (isUniqueViolation(error)) throw new AppError('CONFLICT', `A role with the key "${input.key}" already exists`);
          throw error;
        });
        await scoped.addRolePermissions(row.id, permissions);
        await audit(tx, ctx, 'role.created', { type: 'role', id: row.id }, { key: row.key, permissions });
        return roleView(scoped, row);
      });
    },

    updateRole: async (ctx: TenantContext, id: string, patch: TUpdateRoleBody) => {
      requirePermission(ctx, 'roles:write');
      return withTx(deps.db, async (tx) => {
        const scoped = createRbacRepo(tx).forTenant(ctx);
        await customRole(scoped, id);
        const row = (await scoped.updateRole(id, patch))!;
        await audit(tx, ctx, 'role.updated', { type: 'role', id }, { fields: Object.keys(patch) });
        return roleView(scoped, row);
      });
    },

    deleteRole: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'roles:delete');
      await withTx(deps.db, async (tx) => {
        const scoped = createRbacRepo(tx).forTenant(ctx);
        const row = await customRole(scoped, id);
        await scoped.deleteRole(id);
        await audit(tx, ctx, 'role.deleted', { type: 'role', id }, { key: row.key });
      });
    },

    grantRolePermissions: async (ctx: TenantContext, id: string, requested: string[]) => {
      requirePermission(ctx, 'roles:write');
      const permissions = [...new Set(requested)];
      assertKnownPermissions(permissions);
      assertWithinOwnAccess(ctx, permissions, 'grant these permissions');
      return withTx(deps.db, async (tx) => {
        const scoped = createRbacRepo(tx).forTenant(ctx);
        const row = await customRole(scoped, id);
        await scoped.addRolePermissions(id, permissions);
        await audit(tx, ctx, 'role.permissions_granted', { type: 'role', id }, { key: row.key, permissions });
        return roleView(scoped, row);
      });
    },

    revokeRolePermission: async (ctx: TenantContext, id: string, permission: string) => {
      requirePermission(ctx, 'roles:write');
      return withTx(deps.db, async (tx) => {
        const scoped = createRbacRepo(tx).forTenant(ctx);
        const row = await customRole(scoped, id);
        if (!(await scoped.removeRolePermission(id, permission))) throw notFound('Permission on this role');
        await audit(tx, ctx, 'role.permission_revoked', { type: 'role', id }, { key: row.key, permission });
        return roleView(scoped, row);
      });
    },

    userAccess: async (ctx: TenantContext, userId: string) => {
      requirePermission(ctx, 'users:read');
      return userAccess(deps.db, ctx, userId);
    },

    attachRole: async (ctx: TenantContext, userId: string, roleKey: string) => {
      requirePermission(ctx, 'roles:write');
      return withTx(deps.db, async (tx) => {
        const scoped = createRbacRepo(tx).forTenant(ctx);
        await member(scoped, userId);
        const role = await scoped.findRoleByKey(roleKey);
        if (!role) throw notFound('Role');
        assertWithinOwnAccess(ctx, permissionsOfRole(role, await scoped.storedPermissions([role.id])), `attach the role "${role.key}"`);
        await scoped.attachRole(userId, role.id);
        await audit(tx, ctx, 'user.role_attached', { type: 'user', id: userId }, { role: role.key });
        return userAccess(tx, ctx, userId);
      });
    },

    detachRole: async (ctx: TenantContext, userId: string, roleKey: string) => {
      requirePermission(ctx, 'roles:write');
      return withTx(deps.db, async (tx) => {
        const scoped = createRbacRepo(tx).forTenant(ctx);
        await member(scoped, userId);
        const role = await scoped.findRoleByKey(roleKey);
        if (!role) throw notFound('Role');
        // Taking a role away is as strong as handing it out: an admin cannot strip an owner.
        assertWithinOwnAccess(ctx, permissionsOfRole(role, await scoped.storedPermissions([role.id])), `detach the role "${role.key}"`);
        if (role.key === 'owner') await assertOwnerRemains(scoped, userId);
        if (!(await scoped.detachRole(userId, role.id))) throw notFound('Role on this user');
        await audit(tx, ctx, 'user.role_detached', { type: 'user', id: userId }, { role: role.key });
        return userAccess(tx, ctx, userId);
      });
    },

    grantUserPermissions: async (ctx: TenantContext, userId: string, requested: string[]) => {
      requirePermission(ctx, 'roles:write');
      const permissions = [...new Set(requested)];
      assertKnownPermissions(permissions);
      assertWithinOwnAccess(ctx, permissions, 'grant these permissions');
      return withTx(deps.db, async (tx) => {
        const scoped = createRbacRepo(tx).forTenant(ctx);
        await member(scoped, userId);
        await scoped.grantUserPermissions(userId, permissions);
        await audit(tx, ctx, 'user.permissions_granted', { type: 'user', id: userId }, { permissions });
        return userAccess(tx, ctx, userId);
      });
    },

    revokeUserPermission: async (ctx: TenantContext, userId: string, permission: string) => {
      requirePermission(ctx, 'roles:write');
      return withTx(deps.db, async (tx) => {
        const scoped = createRbacRepo(tx).forTenant(ctx);
        await member(scoped, userId);
        if (!(await scoped.revokeUserPermission(userId, permission))) throw notFound('Direct permission on this user');
        await audit(tx, ctx, 'user.permission_revoked', { type: 'user', id: userId }, { permission });
        return userAccess(tx, ctx, userId);
      });
    },
  };
};

export type RbacService = ReturnType<typeof createRbacService>;
