import type { TenantContext } from '../../app/context.js';
import type { Authenticator } from '../../app/plugins/auth.js';
import { assertTenantAccess } from '../../app/plugins/tenant-access.js';
import { AppError } from '../../lib/errors.js';

export type SocketAuthDeps = { authenticate: Authenticator };

/**
 * The checks the auth plugin makes for HTTP calls, for a token that arrives in the URL or the
 * first socket message (browsers cannot set an Authorization header on a WebSocket).
 */
export const createSocketAuthenticator = (deps: SocketAuthDeps) => async (token: string, request: { id: string; ip: string; userAgent?: string }): Promise<TenantContext> => {
  const credential = await deps.authenticate(token);
  if (!credential) throw new AppError('AUTHENTICATION_FAILED', 'Invalid or expired credentials');
  assertTenantAccess(credential.tenant, request.ip);
  return { requestId: request.id, tenantId: credential.tenantId, actor: credential.actor, permissions: credential.permissions, ip: request.ip, userAgent: request.userAgent };
};

export type SocketAuthenticator = ReturnType<typeof createSocketAuthenticator>;
