import { AppError } from '../../lib/errors.js';
import { isIpAllowed } from '../../modules/tenants/ip-allow-list.js';
import { securityOf } from '../../modules/tenants/tenant-policy.js';

/** What every authenticated call is checked against, read with the credential itself (no extra statement). */
export type TenantAccess = { status: 'active' | 'suspended'; ipAllowList: readonly string[] };

export const tenantAccessOf = (tenant: { status: TenantAccess['status']; security: unknown }): TenantAccess => ({
  status: tenant.status,
  ipAllowList: securityOf(tenant).ipAllowList,
});

/**
 * A suspended tenant gets 403 TENANT_SUSPENDED, and a caller outside a non-empty IP allow-list 403 IP_NOT_ALLOWED,
 * whatever the credential (API key or user token) and transport (HTTP or WebSocket). Both authenticators read the
 * tenant row in the same statement as the credential, so suspension and allow-list changes apply to the very next
 * request, on every instance.
 */
export const assertTenantAccess = (access: TenantAccess, ip: string) => {
  if (access.status === 'suspended') throw new AppError('TENANT_SUSPENDED', 'This tenant is suspended');
  if (access.ipAllowList.length > 0 && !isIpAllowed(ip, access.ipAllowList)) {
    throw new AppError('IP_NOT_ALLOWED', `Calls from ${ip} are not allowed by this tenant's IP allow-list`);
  }
};
