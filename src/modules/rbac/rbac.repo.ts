import { and, asc, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { memberships, rolePermissions, roles, userPermissions, userRoles } from '../../db/schema.js';
import { AppError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { BUILTIN_ROLE_KEYS, BUILTIN_ROLES, effectivePermissions } from './permissions.js';

/**
 * The access primitives other modules build on (registration, login, tenant creation, invitations). They take an
 * executor and an explicit tenant id because their callers run before a request context exists (a new tenant, a
 * login); every statement still filters by that tenant id.
 */

/** Inserts the four built-in role rows of a new tenant; idempotent, so a retried tenant creation is harmless. */
export const seedBuiltinRoles = async (tx: Executor, tenantId: string): Promise<void> => {
  await tx
    .insert(roles)
    .values(
      BUILTIN_ROLE_KEYS.map((key) => ({
        id: newId(),
        tenantId,
        key,
        name: BUILTIN_ROLES[key].name,
        description: BUILTIN_ROLES[key].description,
        isBuiltin: true,
      })),
    )
    .onConflictDoNothing({ target: [roles.tenantId, roles.key] });
};

/** Attaches a role (built-in or custom, by key) to a user of the tenant; attaching twice is a no-op. */
export const assignRole = async (tx: Executor, input: { tenantId: string; userId: string; roleKey: string }): Promise<void> => {
  const [role] = await tx
    .select({ id: roles.id })
    .from(roles)
    .where(and(eq(roles.tenantId, input.tenantId), eq(roles.key, input.roleKey)));
  if (!role) throw new AppError('VALIDATION_ERROR', `Unknown role "${input.roleKey}"`);
  await tx
    .insert(userRoles)
    .values({ tenantId: input.tenantId, userId: input.userId, roleId: role.id })
    .onConflictDoNothing();
};

export type Access = { roles: string[]; permissions: string[] };

/**
 * A user's role keys and effective permissions in a tenant (built-in roles from code, custom roles from
 * role_permissions, direct grants). No active membership means no access at all: a deactivated or removed member
 * keeps their rows but gets nothing from them.
 */
export const loadAccess = async (db: Executor, input: { tenantId: string; userId: string }): Promise<Access> => {
  const [membership] = await db
    .select({ isActive: memberships.isActive })
    .from(memberships)
    .where(and(eq(memberships.tenantId, input.tenantId), eq(memberships.userId, input.userId)));
  if (!membership?.isActive) return { roles: [], permissions: [] };
  return heldAccess(db, input);
};

/**
 * What the user's rows grant, whether or not the membership is active: the measure of how powerful a person is when
 * deciding who may manage them (a deactivated owner is still an owner to an admin).
 */
export const heldAccess = async (db: Executor, input: { tenantId: string; userId: string }): Promise<Access> => {
  const roleRows = await db
    .select({ id: roles.id, key: roles.key, isBuiltin: roles.isBuiltin })
    .from(userRoles)
    .innerJoin(roles, and(eq(roles.id, userRoles.roleId), eq(roles.tenantId, userRoles.tenantId)))
    .where(and(eq(userRoles.tenantId, input.tenantId), eq(userRoles.userId, input.userId)));
  const customRoleIds = roleRows.filter((role) => !role.isBuiltin).map((role) => role.id);
  const [customRolePermissions, directPermissions] = await Promise.all([
    customRoleIds.length === 0
      ? Promise.resolve([])
      : db
          .select({ permission: rolePermissions.permission })
          .from(rolePermissions)
          .where(and(eq(rolePermissions.tenantId, input.tenantId), inArray(rolePermissions.roleId, customRoleIds))),
    db
      .select({ permission: userPermissions.permission })
      .from(userPermissions)
      .where(and(eq(userPermissions.tenantId, input.tenantId), eq(userPermissions.userId, input.userId))),
  ]);
  return {
    roles: roleRows.map((role) => role.key).sort(),
    permissions: effectivePermissions({
      builtinRoleKeys: roleRows.filter((role) => role.isBuiltin).map((role) => role.key),
      customRolePermissions: customRolePermissions.map((row) => row.permission),
      directPermissions: directPermissions.map((row) => row.permission),
    }),
  };
};

export type RoleRow = typeof roles.$inferSelect;

/** Roles, their permissions and who holds them, scoped to one tenant. */
export const createRbacRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const roleScoped = (...conditions: (SQL | undefined)[]) => and(eq(roles.tenantId, ctx.tenantId), ...conditions);
    return {
      listRoles: () => db.select().from(roles).where(roleScoped()).orderBy(desc(roles.isBuiltin), asc(roles.key)),

      findRoleById: async (id: string) => (await db.select().from(roles).where(roleScoped(eq(roles.id, id))))[0],

      findRoleByKey: async (key: string) => (await db.select().from(roles).where(roleScoped(eq(roles.key, key))))[0],

      insertRole: async (input: { key: string; name: string; description?: string | null }) =>
        (await db.insert(roles).values({ id: newId(), tenantId: ctx.tenantId, ...input }).returning())[0]!,

      updateRole: async (id: string, patch: { name?: string; description?: string | null }) =>
        (
          await db
            .update(roles)
            .set({ ...patch, updatedAt: sql`now()` })
            .where(roleScoped(eq(roles.id, id), eq(roles.isBuiltin, false)))
            .returning()
        )[0],

      deleteRole: async (id: string) =>
        (await db.delete(roles).where(roleScoped(eq(roles.id, id), eq(roles.isBuiltin, false))).returning({ id: roles.id })).length > 0,

      /** Custom roles' stored permissions by role id (built-in roles have none stored: theirs come from code). */
      storedPermissions: async (roleIds: string[]) => {
        const byRole = new Map<string, string[]>();
        if (roleIds.length === 0) return byRole;
        const rows = await db
          .select()
          .from(rolePermissions)
          .where(and(eq(rolePermissions.tenantId, ctx.tenantId), inArray(rolePermissions.roleId, roleIds)))
          .orderBy(asc(rolePermissions.permission));
        for (const row of rows) byRole.set(row.roleId, [...(byRole.get(row.roleId) ?? []), row.permission]);
        return byRole;
      },

      memberCounts: async () => {
        const rows = await db
          .select({ roleId: userRoles.roleId, members: count() })
          .from(userRoles)
          .where(eq(userRoles.tenantId, ctx.tenantId))
          .groupBy(userRoles.roleId);
        return new Map(rows.map((row) => [row.roleId, row.members]));
      },

      addRolePermissions: async (roleId: string, permissions: string[]) => {
        if (permissions.length === 0) return;
        await db
          .insert(rolePermissions)
          .values(permissions.map((permission) => ({ roleId, tenantId: ctx.tenantId, permission })))
          .onConflictDoNothing();
      },

      removeRolePermission: async (roleId: string, permission: string) =>
        (
          await db
            .delete(rolePermissions)
            .where(and(eq(rolePermissions.tenantId, ctx.tenantId), eq(rolePermissions.roleId, roleId), eq(rolePermissions.permission, permission)))
            .returning({ roleId: rolePermissions.roleId })
        ).length > 0,

      findMembership: async (userId: string) =>
        (await db.select().from(memberships).where(and(eq(memberships.tenantId, ctx.tenantId), eq(memberships.userId, userId))))[0],

      rolesOfUser: (userId: string) =>
        db
          .select({ role: roles })
          .from(userRoles)
          .innerJoin(roles, and(eq(roles.id, userRoles.roleId), eq(roles.tenantId, userRoles.tenantId)))
          .where(and(eq(userRoles.tenantId, ctx.tenantId), eq(userRoles.userId, userId)))
          .orderBy(asc(roles.key))
          .then((rows) => rows.map((row) => row.role)),

      attachRole: async (userId: string, roleId: string) => {
        await db.insert(userRoles).values({ tenantId: ctx.tenantId, userId, roleId }).onConflictDoNothing();
      },

      detachRole: async (userId: string, roleId: string) =>
        (
          await db
            .delete(userRoles)
            .where(and(eq(userRoles.tenantId, ctx.tenantId), eq(userRoles.userId, userId), eq(userRoles.roleId, roleId)))
            .returning({ roleId: userRoles.roleId })
        ).length > 0,

      detachAllRoles: async (userId: string) => {
        await db.delete(userRoles).where(and(eq(userRoles.tenantId, ctx.tenantId), eq(userRoles.userId, userId)));
      },

      directPermissions: async (userId: string) =>
        (
          await db
            .select({ permission: userPermissions.permission })
            .from(userPermissions)
            .where(and(eq(userPermissions.tenantId, ctx.tenantId), eq(userPermissions.userId, userId)))
            .orderBy(asc(userPermissions.permission))
        ).map((row) => row.permission),

      grantUserPermissions: async (userId: string, permissions: string[]) => {
        if (permissions.length === 0) return;
        await db
          .insert(userPermissions)
          .values(permissions.map((permission) => ({ tenantId: ctx.tenantId, userId, permission })))
          .onConflictDoNothing();
      },

      revokeUserPermission: async (userId: string, permission: string) =>
        (
          await db
            .delete(userPermissions)
            .where(and(eq(userPermissions.tenantId, ctx.tenantId), eq(userPermissions.userId, userId), eq(userPermissions.permission, permission)))
            .returning({ permission: userPermissions.permission })
        ).length > 0,

      revokeAllUserPermissions: async (userId: string) => {
        await db.delete(userPermissions).where(and(eq(userPermissions.tenantId, ctx.tenantId), eq(userPermissions.userId, userId)));
      },

      /**
       * Takes a row lock on the tenant's owner role, so two concurrent demotions of the last two owners serialise
       * and the second one sees the first one's result.
       */
      lockOwnerRole: async () =>
        (await db.select({ id: roles.id }).from(roles).where(roleScoped(eq(roles.key, 'owner'))).for('update'))[0],

      /** User ids holding the owner role with an active membership. */
      activeOwnerIds: async () =>
        (
          await db
            .select({ userId: userRoles.userId })
            .from(userRoles)
            .innerJoin(roles, and(eq(roles.id, userRoles.roleId), eq(roles.tenantId, userRoles.tenantId)))
            .innerJoin(memberships, and(eq(memberships.userId, userRoles.userId), eq(memberships.tenantId, userRoles.tenantId)))
            .where(and(eq(userRoles.tenantId, ctx.tenantId), eq(roles.key, 'owner'), eq(memberships.isActive, true)))
        ).map((row) => row.userId),
    };
  },
});

export type RbacRepo = ReturnType<ReturnType<typeof createRbacRepo>['forTenant']>;
