import type { IsolationSeed } from '../../helpers/tenant-isolation.js';

/** The tenant routes name no id: the tenant is the credential's, so only the auth checks apply. */
export const tenantIsolationSeed: IsolationSeed = async () => [
  { route: '/api/v1/tenant', method: 'GET', url: '/api/v1/tenant', hasTenantIds: false },
  { route: '/api/v1/tenant', method: 'PUT', url: '/api/v1/tenant', body: { settings: { timezone: 'Europe/Berlin' } }, hasTenantIds: false },
];
