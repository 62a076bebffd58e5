import { and, asc, count, desc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { chunks, documents } from '../../db/schema.js';
import { pageOffset } from '../../lib/pagination.js';
import { escapeLike } from './like.js';
import type { TListDocumentsQuery } from './knowledge.schemas.js';

export type DocumentRow = typeof documents.$inferSelect;
export type NewDocument = Omit<typeof documents.$inferInsert, 'tenantId'>;
export type DocumentPatch = Partial<Omit<typeof documents.$inferInsert, 'id' | 'tenantId' | 'knowledgeBaseId'>>;
export type NewChunk = { ordinal: number; content: string; headings: string[]; tokenCount: number; metadata?: Record<string, unknown> };

// One INSERT per batch keeps statements well under PostgreSQL's 65k parameter limit and PGlite responsive.
const CHUNK_INSERT_BATCH = 200;

export const createDocumentsRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const scoped = (...conditions: (SQL | undefined)[]) => and(eq(documents.tenantId, ctx.tenantId), ...conditions);
    return {
      insert: async (input: NewDocument) => (await db.insert(documents).values({ ...input, tenantId: ctx.tenantId }).returning())[0]!,

      findById: async (id: string) => (await db.select().from(documents).where(scoped(eq(documents.id, id))))[0],

      findByHash: async (knowledgeBaseId: string, contentHash: string) =>
        (await db.select().from(documents).where(scoped(eq(documents.knowledgeBaseId, knowledgeBaseId), eq(documents.contentHash, contentHash))))[0],

      findBySourceUrl: async (knowledgeBaseId: string, sourceUrl: string) =>
        (
          await db
            .select()
            .from(documents)
            .where(scoped(eq(documents.knowledgeBaseId, knowledgeBaseId), eq(documents.sourceUrl, sourceUrl)))
            .orderBy(desc(documents.createdAt))
            .limit(1)
        )[0],

      list: async (query: TListDocumentsQuery) => {
        const search = query.search ? `%${escapeLike(query.search)}%` : undefined;
        const where = scoped(
          query.knowledgeBaseId ? eq(documents.knowledgeBaseId, query.knowledgeBaseId) : undefined,
          query.type ? eq(documents.type, query.type) : undefined,
          query.status ? eq(documents.status, query.status) : undefined,
          search
            ? or(
                ilike(documents.name, search),
                sql`EXISTS (SELECT 1 FROM chunks c WHERE c.tenant_id = ${ctx.tenantId} AND c.document_id = ${documents.id} AND c.content ILIKE ${search})`,
              )
            : undefined,
        );
        const [items, totals] = await Promise.all([
          db.select().from(documents).where(where).orderBy(desc(documents.createdAt), desc(documents.id)).limit(query.limit).offset(pageOffset(query)),
          db.select({ total: count() }).from(documents).where(where),
        ]);
        return { items, total: totals[0]?.total ?? 0 };
      },

      listByKnowledgeBase: (knowledgeBaseId: string) =>
        db.select().from(documents).where(scoped(eq(documents.knowledgeBaseId, knowledgeBaseId))),

      update: async (id: string, patch: DocumentPatch) =>
        (await db.update(documents).set({ ...patch, updatedAt: sql`now()` }).where(scoped(eq(documents.id, id))).returning())[0],

      /** Updates only while `runId` is still the document's current processing run (stale pipeline jobs match nothing). */
      updateRun: async (id: string, runId: string, patch: DocumentPatch) =>
        (
          await db
            .update(documents)
            .set({ ...patch, updatedAt: sql`now()` })
            .where(scoped(eq(documents.id, id), eq(documents.processingRunId, runId)))
            .returning()
        )[0],

      deleteMany: (ids: string[]) =>
        db.delete(documents).where(scoped(inArray(documents.id, ids))).returning({ id: documents.id, storageKey: documents.storageKey }),

      /** The document's first `limit` chunk texts, in order. */
      chunkTexts: async (documentId: string, limit: number) =>
        (
          await db
            .select({ content: chunks.content })
            .from(chunks)
            .where(and(eq(chunks.tenantId, ctx.tenantId), eq(chunks.documentId, documentId)))
            .orderBy(asc(chunks.ordinal))
            .limit(limit)
        ).map((row) => row.content),

      /** Replaces all chunks of a document; call inside the transaction that also records the new chunk count. */
      replaceChunks: async (document: Pick<DocumentRow, 'id' | 'knowledgeBaseId'>, rows: (NewChunk & { id: string })[]) => {
        await db.delete(chunks).where(and(eq(chunks.tenantId, ctx.tenantId), eq(chunks.documentId, document.id)));
        for (let start = 0; start < rows.length; start += CHUNK_INSERT_BATCH) {
          await db.insert(chunks).values(
            rows.slice(start, start + CHUNK_INSERT_BATCH).map((row) => ({
              ...row,
              metadata: row.metadata ?? {},
              tenantId: ctx.tenantId,
              knowledgeBaseId: document.knowledgeBaseId,
              documentId: document.id,
            })),
          );
        }
      },

      countChunks: async (documentId: string) =>
        (await db.select({ total: count() }).from(chunks).where(and(eq(chunks.tenantId, ctx.tenantId), eq(chunks.documentId, documentId))))[0]?.total ?? 0,
    };
  },
});
