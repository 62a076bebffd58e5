import type { FastifyInstance } from 'fastify';

import { AppError } from '../../lib/errors.js';
import { isIpAllowed } from '../../modules/tenants/ip-allow-list.js';
import type { TenantAccess } from '../../modules/tenants/tenants.service.js';

/**
 * Runs right after authentication on every call that carries a tenant context, whatever the credential (API key
 * or user token): a suspended tenant gets 403 TENANT_SUSPENDED, and a caller outside a non-empty IP allow-list
 * gets 403 IP_NOT_ALLOWED. The tenant row is read on every call (one primary-key lookup) so that suspension and
 * allow-list changes apply to the very next request, on every instance.
 */
export const registerTenantAccess = (app: FastifyInstance, accessOf: (tenantId: string) => Promise<TenantAccess | undefined>) => {
  app.addHook('onRequest', async (req) => {
    if (!req.ctx) return;
    const access = await accessOf(req.ctx.tenantId);
    if (!access) throw new AppError('AUTHENTICATION_FAILED', 'The tenant of this credential no longer exists');
    if (access.status === 'suspended') throw new AppError('TENANT_SUSPENDED', 'This tenant is suspended');
    if (access.ipAllowList.length > 0 && !isIpAllowed(req.ip, access.ipAllowList)) {
      throw new AppError('IP_NOT_ALLOWED', `Calls from ${req.ip} are not allowed by this tenant's IP allow-list`);
    }
  });
};
