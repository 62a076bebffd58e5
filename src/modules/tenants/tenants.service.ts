import type { Db } from '../../db/client.js';
import { createTenantsRepo, type TenantStatus } from './tenants.repo.js';

/** Tenant lifecycle; registration and the platform-admin routes build on it. */
export const createTenantsService = (deps: { db: Db }) => {
  const repo = createTenantsRepo(deps.db);
  return {
    create: (input: { name: string }) => repo.insert(input),
    setStatus: (tenantId: string, status: TenantStatus) => repo.setStatus(tenantId, status),
  };
};
