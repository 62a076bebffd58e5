/**
 * The permission catalogue: every `resource:action` a route can require, grouped by module. Built-in roles are
 * defined here rather than in the database so that a release adding a permission grants it to them at once.
 */
export const PERMISSION_CATALOGUE = {
  tenant: ['tenant:read', 'tenant:update'],
  // Every signed-in person edits their own name, avatar and phone; a separate permission keeps the route explicit.
  profile: ['profile:write'],
  users: ['users:read', 'users:write', 'users:delete'],
  team: ['team:read', 'team:invite', 'team:manage'],
  roles: ['roles:read', 'roles:write', 'roles:delete'],
  'api-keys': ['api-keys:read', 'api-keys:write', 'api-keys:delete'],
  audit: ['audit:read'],
  labels: ['labels:read', 'labels:write', 'labels:delete'],
  knowledge: ['knowledge:read', 'knowledge:write', 'knowledge:delete'],
  agents: ['agents:read', 'agents:write', 'agents:delete'],
  // LLM credentials: separate from agents so that editing an agent does not grant reading or replacing keys.
  'ai-providers': ['ai-providers:read', 'ai-providers:write', 'ai-providers:delete'],
  conversations: ['conversations:read', 'conversations:write', 'conversations:delete'],
  channels: ['channels:read', 'channels:write', 'channels:delete'],
  webhooks: ['webhooks:read', 'webhooks:write', 'webhooks:delete'],
  analytics: ['analytics:read'],
} as const satisfies Record<string, readonly `${string}:${string}`[]>;

export type PermissionModule = keyof typeof PERMISSION_CATALOGUE;
export type Permission = (typeof PERMISSION_CATALOGUE)[PermissionModule][number];

export const ALL_PERMISSIONS: readonly Permission[] = Object.values(PERMISSION_CATALOGUE).flat();

export const isKnownPermission = (value: string): value is Permission => (ALL_PERMISSIONS as readonly string[]).includes(value);

export const BUILTIN_ROLE_KEYS = ['owner', 'admin', 'agent', 'viewer'] as const;
export type BuiltinRoleKey = (typeof BUILTIN_ROLE_KEYS)[number];

const reads = ALL_PERMISSIONS.filter((permission) => permission.endsWith(':read'));

export const BUILTIN_ROLES: Record<BuiltinRoleKey, { name: string; description: string; permissions: readonly Permission[] }> = {
  owner: { name: 'Owner', description: 'Everything, including the tenant itself; at least one per tenant', permissions: ALL_PERMISSIONS },
  admin: {
    name: 'Admin',
    description: 'Everything except changing the tenant settings',
    permissions: ALL_PERMISSIONS.filter((permission) => permission !== 'tenant:update'),
  },
  agent: {
    name: 'Agent',
    description: 'Human support: works conversations, reads knowledge and agents',
    permissions: [
      'tenant:read',
      'profile:write',
      'team:read',
      'labels:read',
      'labels:write',
      'knowledge:read',
      'agents:read',
      'conversations:read',
      'conversations:write',
      'channels:read',
      'analytics:read',
    ],
  },
  viewer: { name: 'Viewer', description: 'Reads everything, changes nothing but their own profile', permissions: [...reads, 'profile:write'] },
};

/** Effective permissions: the union of the user's built-in roles, custom roles and direct grants. */
export const effectivePermissions = (input: {
  builtinRoleKeys: readonly string[];
  customRolePermissions: readonly string[];
  directPermissions: readonly string[];
}): string[] => {
  const granted = new Set<string>([...input.customRolePermissions, ...input.directPermissions]);
  for (const key of input.builtinRoleKeys) {
    for (const permission of BUILTIN_ROLES[key as BuiltinRoleKey]?.permissions ?? []) granted.add(permission);
  }
  return [...granted].sort();
};
