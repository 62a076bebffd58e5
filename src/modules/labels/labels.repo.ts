import { and, asc, count, eq, ilike, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { labels } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';
import { pageOffset } from '../../lib/pagination.js';
import type { TCreateLabelBody, TListLabelsQuery, TUpdateLabelBody } from './labels.schemas.js';

export type LabelRow = typeof labels.$inferSelect;

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (char) => `\\${char}`);

export const createLabelsRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const scoped = (...conditions: (SQL | undefined)[]) => and(eq(labels.tenantId, ctx.tenantId), ...conditions);
    return {
      insert: async (input: TCreateLabelBody) =>
        (await db.insert(labels).values({ id: newId(), tenantId: ctx.tenantId, ...input }).returning())[0]!,

      findById: async (id: string) => (await db.select().from(labels).where(scoped(eq(labels.id, id))))[0],

      findByName: async (name: string) =>
        (await db.select().from(labels).where(scoped(sql`lower(${labels.name}) = lower(${name})`)))[0],

      list: async (query: TListLabelsQuery) => {
        const where = scoped(query.search ? ilike(labels.name, `%${escapeLike(query.search)}%`) : undefined);
        const [items, totals] = await Promise.all([
          db.select().from(labels).where(where).orderBy(asc(labels.name), asc(labels.id)).limit(query.limit).offset(pageOffset(query)),
          db.select({ total: count() }).from(labels).where(where),
        ]);
        return { items, total: totals[0]?.total ?? 0 };
      },

      update: async (id: string, patch: TUpdateLabelBody) =>
        (
          await db
            .update(labels)
            .set({ ...patch, updatedAt: sql`now()` })
            .where(scoped(eq(labels.id, id)))
            .returning()
        )[0],

      delete: async (id: string) =>
        (await db.delete(labels).where(scoped(eq(labels.id, id))).returning({ id: labels.id })).length > 0,
    };
  },
});
