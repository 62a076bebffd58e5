import { eq, sql } from 'drizzle-orm';

import type { Executor } from '../../db/client.js';
import { tenants } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';

export type TenantRow = typeof tenants.$inferSelect;
export type TenantStatus = TenantRow['status'];

/** The tenants table is the one table not scoped by tenant: platform-level code is its only caller. */
export const createTenantsRepo = (db: Executor) => ({
  insert: async (input: { name: string }) => (await db.insert(tenants).values({ id: newId(), name: input.name }).returning())[0]!,
  setStatus: async (tenantId: string, status: TenantStatus) => {
    await db.update(tenants).set({ status, updatedAt: sql`now()` }).where(eq(tenants.id, tenantId));
  },
});
