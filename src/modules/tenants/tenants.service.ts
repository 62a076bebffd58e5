import { eq, sql } from 'drizzle-orm';

import type { Db } from '../../db/client.js';
import { tenants } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';

export type TenantStatus = (typeof tenants.$inferSelect)['status'];

/** Tenant lifecycle; registration and the platform-admin routes build on it. */
export const createTenantsService = (deps: { db: Db }) => ({
  create: async (input: { name: string }) =>
    (await deps.db.insert(tenants).values({ id: newId(), name: input.name }).returning())[0]!,

  setStatus: async (tenantId: string, status: TenantStatus) => {
    await deps.db.update(tenants).set({ status, updatedAt: sql`now()` }).where(eq(tenants.id, tenantId));
  },
});
