import { and, asc, count, eq, isNotNull, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { aiProviders } from '../../db/schema.js';
import { pageOffset, type TPageQuery } from '../../lib/pagination.js';

export type AiProviderRow = typeof aiProviders.$inferSelect;
type Insert = Omit<typeof aiProviders.$inferInsert, 'tenantId' | 'createdAt' | 'updatedAt'> & { id: string };
type Patch = Partial<Pick<AiProviderRow, 'name' | 'baseUrl' | 'apiKeySealed' | 'apiKeyHint' | 'defaultModel'>>;

export const createAiProvidersRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const scoped = (...conditions: (SQL | undefined)[]) => and(eq(aiProviders.tenantId, ctx.tenantId), ...conditions);
    return {
      insert: async (row: Insert) => (await db.insert(aiProviders).values({ ...row, tenantId: ctx.tenantId }).returning())[0]!,

      findById: async (id: string) => (await db.select().from(aiProviders).where(scoped(eq(aiProviders.id, id))))[0],

      /** The tenant's first provider (oldest) that names a default model. */
      findOldestWithModel: async () =>
        (await db.select().from(aiProviders).where(scoped(isNotNull(aiProviders.defaultModel))).orderBy(asc(aiProviders.createdAt), asc(aiProviders.id)).limit(1))[0],

      list: async (query: TPageQuery) => {
        const [items, totals] = await Promise.all([
          db.select().from(aiProviders).where(scoped()).orderBy(asc(aiProviders.name), asc(aiProviders.id)).limit(query.limit).offset(pageOffset(query)),
          db.select({ total: count() }).from(aiProviders).where(scoped()),
        ]);
        return { items, total: totals[0]?.total ?? 0 };
      },

      update: async (id: string, patch: Patch) =>
        (await db.update(aiProviders).set({ ...patch, updatedAt: sql`now()` }).where(scoped(eq(aiProviders.id, id))).returning())[0],

      /** A check is not an edit: it leaves updated_at alone. */
      recordCheck: async (id: string, isOk: boolean) => {
        await db.update(aiProviders).set({ lastCheckedAt: sql`now()`, lastCheckOk: isOk }).where(scoped(eq(aiProviders.id, id)));
      },

      delete: async (id: string) => (await db.delete(aiProviders).where(scoped(eq(aiProviders.id, id))).returning({ id: aiProviders.id })).length > 0,
    };
  },
});
