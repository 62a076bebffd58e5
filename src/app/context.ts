import { AppError } from '../lib/errors.js';

/** Who is calling, resolved only from a credential. Services take it first; repos scope every statement by it. */
export type Actor =
  | { type: 'api_key'; id: string }
  | { type: 'user'; id: string }
  | { type: 'system'; id: string };

export type TenantContext = Readonly<{
  requestId: string;
  tenantId: string;
  actor: Actor;
  permissions: ReadonlySet<string>;
  /** Where the call came from, for the audit trail; absent in jobs. */
  ip?: string;
  userAgent?: string;
}>;

/**
 * A platform operator acting across tenants (platform-admin routes). Deliberately not a TenantContext: it has no
 * tenant of its own, so a platform service cannot fall back to the caller's tenant for its target. Only the
 * platform-admin plugin creates one, after checking `users.is_platform_admin`.
 */
export type PlatformContext = Readonly<{
  requestId: string;
  actor: { type: 'user'; id: string };
  isPlatformAdmin: true;
  ip?: string;
  userAgent?: string;
}>;

/** Jobs run outside a request: the worker rebuilds a context from the tenantId the payload carries. */
export const systemContext = (tenantId: string, jobId: string): TenantContext => ({
  requestId: `job:${jobId}`,
  tenantId,
  actor: { type: 'system', id: 'worker' },
  permissions: new Set(['*']),
});

export const can = (ctx: TenantContext, permission: string): boolean =>
  ctx.permissions.has('*') || ctx.permissions.has(permission) || ctx.permissions.has(`${permission.split(':')[0]}:*`);

export const requirePermission = (ctx: TenantContext, permission: string): void => {
  if (!can(ctx, permission)) {
    throw new AppError('INSUFFICIENT_PERMISSIONS', `This credential lacks the permission ${permission}`);
  }
};
