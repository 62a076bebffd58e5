import { tenants } from '../../db/schema.js';
import type { Db } from '../../db/client.js';
import { newId } from '../../lib/ids.js';

/** Tenant creation; registration and the platform-admin routes build on it. */
export const createTenantsService = (deps: { db: Db }) => ({
  create: async (input: { name: string }) =>
    (await deps.db.insert(tenants).values({ id: newId(), name: input.name }).returning())[0]!,
});
