import { and, count, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import { queryRows, type Executor } from '../../db/client.js';
import { chunks, documents, knowledgeBases } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';
import { pageOffset } from '../../lib/pagination.js';
import { escapeLike } from './like.js';
import type { TCreateKnowledgeBaseBody, TListKnowledgeBasesQuery, TUpdateKnowledgeBaseBody } from './knowledge.schemas.js';

export type KnowledgeBaseRow = typeof knowledgeBases.$inferSelect;
export type KnowledgeBaseWithCounts = KnowledgeBaseRow & { documentCount: number; chunkCount: number };

export const createKnowledgeBasesRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const scoped = (...conditions: (SQL | undefined)[]) => and(eq(knowledgeBases.tenantId, ctx.tenantId), ...conditions);
    // Counts come from the documents table, each subquery scoped to the tenant as well as to the knowledge base.
    const withCounts = {
      documentCount: sql<number>`(SELECT count(*)::int FROM documents d WHERE d.tenant_id = ${ctx.tenantId} AND d.knowledge_base_id = knowledge_bases.id)`,
      chunkCount: sql<number>`(SELECT coalesce(sum(d.chunk_count), 0)::int FROM documents d WHERE d.tenant_id = ${ctx.tenantId} AND d.knowledge_base_id = knowledge_bases.id)`,
    };
    const selectWithCounts = () => db.select({ kb: knowledgeBases, ...withCounts }).from(knowledgeBases);
    const flatten = (row: { kb: KnowledgeBaseRow; documentCount: number; chunkCount: number }): KnowledgeBaseWithCounts => ({
      ...row.kb,
      documentCount: Number(row.documentCount),
      chunkCount: Number(row.chunkCount),
    });

    return {
      insert: async (input: TCreateKnowledgeBaseBody) =>
        (await db.insert(knowledgeBases).values({ id: newId(), tenantId: ctx.tenantId, ...input }).returning())[0]!,

      findById: async (id: string) => (await db.select().from(knowledgeBases).where(scoped(eq(knowledgeBases.id, id))))[0],

      /** Takes a row lock so concurrent deletes and retrains of one knowledge base run one after the other. */
      lockById: async (id: string) =>
        (await db.select().from(knowledgeBases).where(scoped(eq(knowledgeBases.id, id))).for('update'))[0],

      findManyByIds: async (ids: string[]) =>
        ids.length === 0 ? [] : db.select().from(knowledgeBases).where(scoped(inArray(knowledgeBases.id, ids))),

      /**
       * The weakest row lock, taken (in id order) before touching documents' chunks: it lets pipeline steps run side by
       * side but makes a knowledge-base delete (FOR UPDATE) wait, so both always lock knowledge base before document.
       * Returns the ids that exist (and are now locked).
       */
      keyShareLockMany: async (ids: string[]) =>
        ids.length === 0
          ? []
          : (
              await db
                .select({ id: knowledgeBases.id })
                .from(knowledgeBases)
                .where(scoped(inArray(knowledgeBases.id, ids)))
                .orderBy(knowledgeBases.id)
                .for('key share')
            ).map((row) => row.id),

      findWithCounts: async (id: string) => {
        const row = (await selectWithCounts().where(scoped(eq(knowledgeBases.id, id))))[0];
        return row ? flatten(row) : undefined;
      },

      list: async (query: TListKnowledgeBasesQuery) => {
        const where = scoped(query.search ? ilike(knowledgeBases.name, `%${escapeLike(query.search)}%`) : undefined);
        const [rows, totals] = await Promise.all([
          selectWithCounts().where(where).orderBy(desc(knowledgeBases.createdAt), desc(knowledgeBases.id)).limit(query.limit).offset(pageOffset(query)),
          db.select({ total: count() }).from(knowledgeBases).where(where),
        ]);
        return { items: rows.map(flatten), total: totals[0]?.total ?? 0 };
      },

      update: async (id: string, patch: TUpdateKnowledgeBaseBody) =>
        (await db.update(knowledgeBases).set({ ...patch, updatedAt: sql`now()` }).where(scoped(eq(knowledgeBases.id, id))).returning())[0],

      touchIndexedMany: async (ids: string[]) => {
        if (ids.length > 0) await db.update(knowledgeBases).set({ lastIndexedAt: sql`now()` }).where(scoped(inArray(knowledgeBases.id, ids)));
      },

      delete: async (id: string) =>
        (await db.delete(knowledgeBases).where(scoped(eq(knowledgeBases.id, id))).returning({ id: knowledgeBases.id })).length > 0,

      summary: async (id: string) => {
        const byGroup = await queryRows<{ type: string; status: string; documents: number; bytes: string; pages: number }>(db, sql`
          SELECT type, status, count(*)::int AS documents, coalesce(sum(size_bytes), 0)::text AS bytes,
            coalesce(sum(page_count), 0)::int AS pages
          FROM documents WHERE tenant_id = ${ctx.tenantId} AND knowledge_base_id = ${id}
          GROUP BY type, status`);
        const totals = await db
          .select({ chunks: count(), tokens: sql<string>`coalesce(sum(${chunks.tokenCount}), 0)::text` })
          .from(chunks)
          .where(and(eq(chunks.tenantId, ctx.tenantId), eq(chunks.knowledgeBaseId, id)));
        const top = await db
          .select({
            id: documents.id,
            title: sql<string>`coalesce(${documents.metadata}->>'title', ${documents.name})`,
            type: documents.type,
            chunkCount: documents.chunkCount,
          })
          .from(documents)
          .where(and(eq(documents.tenantId, ctx.tenantId), eq(documents.knowledgeBaseId, id), eq(documents.status, 'processed')))
          .orderBy(desc(documents.chunkCount), desc(documents.id))
          .limit(10);
        return { byGroup, chunks: totals[0]?.chunks ?? 0, tokens: Number(totals[0]?.tokens ?? 0), top };
      },
    };
  },
});
