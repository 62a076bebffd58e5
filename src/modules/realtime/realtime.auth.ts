import type { TenantContext } from '../../app/context.js';
import type { Authenticator } from '../../app/plugins/auth.js';
import { AppError } from '../../lib/errors.js';
import { isIpAllowed } from '../tenants/ip-allow-list.js';
import type { TenantAccess } from '../tenants/tenants.service.js';

export type SocketAuthDeps = {
  authenticate: Authenticator;
  accessOf: (tenantId: string) => Promise<TenantAccess | undefined>;
};

/**
 * The checks the auth and tenant-access plugins make for HTTP calls, for a token that arrives in the URL or the
 * first socket message (browsers cannot set an Authorization header on a WebSocket).
 */
export const createSocketAuthenticator = (deps: SocketAuthDeps) => async (token: string, request: { id: string; ip: string; userAgent?: string }): Promise<TenantContext> => {
  const credential = await deps.authenticate(token);
  if (!credential) throw new AppError('AUTHENTICATION_FAILED', 'Invalid or expired credentials');
  const access = await deps.accessOf(credential.tenantId);
  if (!access) throw new AppError('AUTHENTICATION_FAILED', 'The tenant of this credential no longer exists');
  if (credential.tenantStatus === 'suspended' || access.status === 'suspended') throw new AppError('TENANT_SUSPENDED', 'This tenant is suspended');
  if (access.ipAllowList.length > 0 && !isIpAllowed(request.ip, access.ipAllowList)) {
    throw new AppError('IP_NOT_ALLOWED', `Calls from ${request.ip} are not allowed by this tenant's IP allow-list`);
  }
  return { requestId: request.id, tenantId: credential.tenantId, actor: credential.actor, permissions: credential.permissions, ip: request.ip, userAgent: request.userAgent };
};

export type SocketAuthenticator = ReturnType<typeof createSocketAuthenticator>;
