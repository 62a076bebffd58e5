import { z } from 'zod';

export const ZRoleId = z.object({ id: z.uuid() });
export const ZRolePermissionParams = z.object({ id: z.uuid(), permission: z.string().min(3).max(100) });
export const ZUserId = z.object({ id: z.uuid() });
export const ZUserRoleParams = z.object({ id: z.uuid(), roleKey: z.string().min(1).max(50) });
export const ZUserPermissionParams = z.object({ id: z.uuid(), permission: z.string().min(3).max(100) });

const ZPermissionList = z.array(z.string().trim().min(3).max(100)).max(200);

export const ZRoleKey = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9_-]{1,49}$/, 'must be 2-50 characters: lower-case letters, digits, "-" or "_", starting with a letter');

export const ZCreateRoleBody = z.object({
  key: ZRoleKey,
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(500).optional(),
  permissions: ZPermissionList.default([]),
});
export type TCreateRoleBody = z.infer<typeof ZCreateRoleBody>;

export const ZUpdateRoleBody = z
  .object({ name: z.string().trim().min(1).max(100), description: z.string().trim().max(500).nullable() })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'at least one field is required');
export type TUpdateRoleBody = z.infer<typeof ZUpdateRoleBody>;

export const ZPermissionsBody = z.object({ permissions: ZPermissionList.min(1) });
export const ZAttachRoleBody = z.object({ roleKey: z.string().trim().min(1).max(50) });

export const ZPermissionInfo = z
  .object({ key: z.string(), module: z.string(), action: z.string() })
  .meta({ id: 'Permission' });
export const ZPermissionCatalogue = z.object({ items: z.array(ZPermissionInfo), total: z.number().int() });
export const ZModulePermissions = z
  .array(z.object({ module: z.string(), permissions: z.array(ZPermissionInfo) }))
  .meta({ id: 'ModulePermissions' });

export const ZRole = z
  .object({
    id: z.uuid(),
    key: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    isBuiltin: z.boolean(),
    permissions: z.array(z.string()),
    memberCount: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Role' });
export type TRole = z.infer<typeof ZRole>;
export const ZRoleList = z.object({ items: z.array(ZRole) });

export const ZRoleRef = z.object({ id: z.uuid(), key: z.string(), name: z.string(), isBuiltin: z.boolean() });

export const ZUserAccess = z
  .object({
    userId: z.uuid(),
    isActive: z.boolean(),
    roles: z.array(ZRoleRef),
    directPermissions: z.array(z.string()),
    effectivePermissions: z.array(z.string()),
  })
  .meta({ id: 'UserAccess' });
export type TUserAccess = z.infer<typeof ZUserAccess>;
