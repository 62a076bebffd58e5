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
