import { can, type TenantContext } from '../../app/context.js';
import { AppError } from '../../lib/errors.js';
import { BUILTIN_ROLES, isKnownPermission, type BuiltinRoleKey } from './permissions.js';
import type { RbacRepo, RoleRow } from './rbac.repo.js';

/** Built-in roles take their permissions from code; custom roles from what is stored for them. */
export const permissionsOfRole = (role: Pick<RoleRow, 'key' | 'isBuiltin' | 'id'>, stored: Map<string, string[]>): string[] =>
  role.isBuiltin ? [...(BUILTIN_ROLES[role.key as BuiltinRoleKey]?.permissions ?? [])] : (stored.get(role.id) ?? []);

export const assertKnownPermissions = (permissions: readonly string[]): void => {
  const unknown = permissions.filter((permission) => !isKnownPermission(permission));
  if (unknown.length > 0) {
    throw new AppError('VALIDATION_ERROR', `Unknown permission(s): ${unknown.join(', ')}`, { unknown, catalogue: '/api/v1/permissions' });
  }
};

/**
 * Nobody hands out more than they hold: granting a permission, attaching a role or creating a key needs every
 * permission involved. Stops an admin from making themselves (or a friend) owner.
 */
export const assertWithinOwnAccess = (ctx: TenantContext, permissions: readonly string[], what: string): void => {
  const missing = permissions.filter((permission) => !can(ctx, permission));
  if (missing.length > 0) {
    throw new AppError('INSUFFICIENT_PERMISSIONS', `You cannot ${what}: it needs permission(s) you do not hold`, { missing });
  }
};

/**
 * Called inside the transaction of any change that could leave a tenant without an active owner (detaching the
 * owner role, changing role, deactivating, removing). The row lock makes concurrent demotions take turns.
 */
export const assertOwnerRemains = async (repo: RbacRepo, userId: string): Promise<void> => {
  await repo.lockOwnerRole();
  const owners = await repo.activeOwnerIds();
  if (owners.includes(userId) && owners.length === 1) {
    throw new AppError('CONFLICT', 'This user is the last owner of the tenant: make someone else owner first');
  }
};
