import { and, count, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { apiKeys, tenants } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';
import { pageOffset, type TPageQuery } from '../../lib/pagination.js';

export type NewApiKey = { name: string; prefix: string; keyHash: string; scopes: string[]; expiresAt?: Date; createdBy?: string | null };
export type ApiKeyRow = typeof apiKeys.$inferSelect;

export const createApiKeysRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => ({
    insert: async (key: NewApiKey) =>
      (await db.insert(apiKeys).values({ id: newId(), tenantId: ctx.tenantId, ...key }).returning())[0]!,

    findById: async (id: string) =>
      (await db.select().from(apiKeys).where(and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, id))))[0],

    list: async (query: TPageQuery) => {
      const where = eq(apiKeys.tenantId, ctx.tenantId);
      const [items, totals] = await Promise.all([
        db.select().from(apiKeys).where(where).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id)).limit(query.limit).offset(pageOffset(query)),
        db.select({ total: count() }).from(apiKeys).where(where),
      ]);
      return { items, total: totals[0]?.total ?? 0 };
    },

    /** Keeps the first revocation time: revoking twice is harmless and does not rewrite history. */
    revoke: async (id: string) =>
      (
        await db
          .update(apiKeys)
          .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
          .where(and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, id)))
          .returning()
      )[0],
  }),

  /** Authentication is the one lookup that precedes a tenant: the key's hash is what identifies the tenant. */
  findActiveByHash: async (keyHash: string) =>
    (
      await db
        .select({ key: apiKeys, tenantStatus: tenants.status, tenantSecurity: tenants.security })
        .from(apiKeys)
        .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
        .where(
          and(
            eq(apiKeys.keyHash, keyHash),
            isNull(apiKeys.revokedAt),
            or(isNull(apiKeys.expiresAt), sql`${apiKeys.expiresAt} > now()`),
          ),
        )
    )[0],

  /** Written at most once a minute per key, so authentication does not turn every read into a write. */
  touchLastUsed: (id: string) =>
    db
      .update(apiKeys)
      .set({ lastUsedAt: sql`now()` })
      .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, sql`now() - interval '1 minute'`)))),
});
