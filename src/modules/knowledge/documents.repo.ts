import { and, asc, count, desc, eq, getTableColumns, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import { queryRows, type Executor } from '../../db/client.js';
import { chunks, documentParses, documents } from '../../db/schema.js';
import { bigintArray, intArray, nullableIntArray, nullableTextArray, textArray, uuidArray } from '../../db/sql-arrays.js';
import type { DocumentMetadata } from '../../db/tables/knowledge.js';
import { pageOffset } from '../../lib/pagination.js';
import { escapeLike } from './like.js';
import type { TListDocumentsQuery } from './knowledge.schemas.js';

export type DocumentRow = typeof documents.$inferSelect;
export type NewDocument = Omit<typeof documents.$inferInsert, 'tenantId'>;
/** A document inserted at the start of its first processing run. */
export type NewRunDocument = Pick<NewDocument, 'id' | 'knowledgeBaseId' | 'name' | 'type' | 'mimeType' | 'sizeBytes' | 'contentHash' | 'storageKey' | 'sourceUrl' | 'metadata'> & {
  processingRunId: string;
};
export type DocumentPatch = Partial<Omit<typeof documents.$inferInsert, 'id' | 'tenantId' | 'knowledgeBaseId'>>;
export type NewChunk = { ordinal: number; content: string; headings: string[]; tokenCount: number; metadata?: Record<string, unknown> };
/** A document's current run: batch updates touch a row only while this is still its `processing_run_id`. */
export type RunRef = { id: string; runId: string };

// Rows per multi-row statement (columns travel as arrays, so the bound is time): short statements for PGlite.
const BATCH_ROWS = 2000;

export const createDocumentsRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const scoped = (...conditions: (SQL | undefined)[]) => and(eq(documents.tenantId, ctx.tenantId), ...conditions);
    /**
     * `updateRun` for many documents in one statement: `set` may use the per-row `columns` as `v.<name>`. Returns the
     * ids of the rows whose run was still current (and locks them, like `updateRun`).
     */
    const updateRuns = async (refs: RunRef[], set: SQL, columns: Record<string, SQL> = {}): Promise<string[]> => {
      if (refs.length === 0) return [];
      const names = Object.keys(columns);
      const rows = await queryRows<{ id: string }>(db, sql`
        UPDATE documents d SET ${set}, updated_at = now()
        FROM unnest(${uuidArray(refs.map((ref) => ref.id))}, ${uuidArray(refs.map((ref) => ref.runId))}${sql.join(names.map((name) => sql`, ${columns[name]}`))})
          AS v(id, run_id${sql.raw(names.map((name) => `, ${name}`).join(''))})
        WHERE d.tenant_id = ${ctx.tenantId} AND d.id = v.id AND d.processing_run_id = v.run_id
        RETURNING d.id`);
      return rows.map((row) => row.id);
    };
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

      findManyByIds: async (ids: string[]) =>
        ids.length === 0 ? [] : db.select().from(documents).where(scoped(sql`${documents.id} = ANY(${uuidArray(ids)})`)),

      /** Per source URL, its newest document (as `findBySourceUrl`, for many URLs in one statement). */
      findBySourceUrls: async (knowledgeBaseId: string, sourceUrls: string[]) =>
        sourceUrls.length === 0
          ? []
          : db
              .selectDistinctOn([documents.sourceUrl])
              .from(documents)
              .where(scoped(eq(documents.knowledgeBaseId, knowledgeBaseId), sql`${documents.sourceUrl} = ANY(${textArray(sourceUrls)})`))
              .orderBy(documents.sourceUrl, desc(documents.createdAt)),

      findByHashes: async (knowledgeBaseId: string, contentHashes: string[]) =>
        contentHashes.length === 0
          ? []
          : db.select().from(documents).where(scoped(eq(documents.knowledgeBaseId, knowledgeBaseId), sql`${documents.contentHash} = ANY(${textArray(contentHashes)})`)),

      /** New documents at the start of their first run (`uploaded`, progress 0): one statement whatever the count. */
      insertMany: async (inputs: NewRunDocument[]): Promise<DocumentRow[]> => {
        if (inputs.length === 0) return [];
        // Each column travels as one array parameter (drizzle's VALUES sends one parameter per value, which cost
        // PGlite ~0.1 ms per document to encode and bind). INSERT … SELECT names every column of the table in its
        // declared order, so the select list is built in that order.
        const valueOf: Record<string, SQL> = {
          id: sql`u.id`,
          tenant_id: sql`${ctx.tenantId}::uuid`,
          knowledge_base_id: sql`u.knowledge_base_id`,
          name: sql`u.name`,
          type: sql`u.type`,
          mime_type: sql`u.mime_type`,
          size_bytes: sql`u.size_bytes`,
          content_hash: sql`u.content_hash`,
          storage_key: sql`u.storage_key`,
          source_url: sql`u.source_url`,
          status: sql`'uploaded'`,
          progress: sql`0`,
          error_message: sql`NULL`,
          page_count: sql`NULL`,
          chunk_count: sql`0`,
          processing_ms: sql`NULL`,
          processing_run_id: sql`u.processing_run_id`,
          processing_started_at: sql`NULL`,
          metadata: sql`u.metadata::jsonb`,
          options: sql`'{}'::jsonb`,
          created_at: sql`now()`,
          updated_at: sql`now()`,
        };
        const select = Object.values(getTableColumns(documents)).map((column) => {
          const value = valueOf[column.name];
          if (!value) throw new Error(`insertMany: no value for documents.${column.name}`);
          return value;
        });
        return db
          .insert(documents)
          .select(sql`
            SELECT ${sql.join(select, sql`, `)}
            FROM unnest(${uuidArray(inputs.map((input) => input.id))}, ${uuidArray(inputs.map((input) => input.knowledgeBaseId))},
              ${textArray(inputs.map((input) => input.name))}, ${textArray(inputs.map((input) => input.type))},
              ${textArray(inputs.map((input) => input.mimeType))}, ${bigintArray(inputs.map((input) => input.sizeBytes))},
              ${textArray(inputs.map((input) => input.contentHash))}, ${textArray(inputs.map((input) => input.storageKey))},
              ${nullableTextArray(inputs.map((input) => input.sourceUrl ?? null))}, ${uuidArray(inputs.map((input) => input.processingRunId))},
              ${textArray(inputs.map((input) => JSON.stringify(input.metadata ?? {})))})
              AS u(id, knowledge_base_id, name, type, mime_type, size_bytes, content_hash, storage_key, source_url, processing_run_id, metadata)`)
          .returning();
      },

      /** The parse step has begun: `processing` at 10 %, started at `startedAt` unless an earlier attempt started it. */
      markParsing: (refs: RunRef[], startedAt: Date) =>
        updateRuns(refs, sql`status = 'processing', progress = 10, processing_started_at = coalesce(d.processing_started_at, ${startedAt.toISOString()}::timestamptz)`),

      /** Parsed: `processing` at 40 % (with the start time when `markParsing` was not written before). */
      markParsed: (rows: (RunRef & { pageCount: number | null; metadata: DocumentMetadata })[], startedAt: Date) =>
        updateRuns(rows, sql`status = 'processing', progress = 40, processing_started_at = coalesce(d.processing_started_at, ${startedAt.toISOString()}::timestamptz),
          page_count = v.page_count, metadata = v.metadata::jsonb`, {
          page_count: nullableIntArray(rows.map((row) => row.pageCount)),
          metadata: textArray(rows.map((row) => JSON.stringify(row.metadata))),
        }),

      markChunked: (rows: (RunRef & { chunkCount: number })[]) =>
        updateRuns(rows, sql`progress = 70, chunk_count = v.chunk_count`, { chunk_count: intArray(rows.map((row) => row.chunkCount)) }),

      markProcessed: (rows: (RunRef & { processingMs: number })[]) =>
        updateRuns(rows, sql`status = 'processed', progress = 100, error_message = NULL, processing_ms = v.processing_ms`, {
          processing_ms: intArray(rows.map((row) => row.processingMs)),
        }),

      markFailed: (rows: (RunRef & { message: string })[]) =>
        updateRuns(rows, sql`status = 'failed', error_message = v.message`, { message: textArray(rows.map((row) => row.message.slice(0, 2000))) }),

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

      /**
       * Replaces all chunks of the documents: one delete, then one insert per BATCH_ROWS chunks. Call inside the
       * transaction that also records the new chunk counts.
       */
      replaceChunksMany: async (rows: (NewChunk & { id: string; documentId: string; knowledgeBaseId: string })[], documentIds: string[]) => {
        if (documentIds.length === 0) return;
        await db.execute(sql`DELETE FROM chunks WHERE tenant_id = ${ctx.tenantId} AND document_id = ANY(${uuidArray(documentIds)})`);
        for (let start = 0; start < rows.length; start += BATCH_ROWS) {
          const slice = rows.slice(start, start + BATCH_ROWS);
          // Headings (an array per chunk) and metadata travel as JSON text: PostgreSQL arrays cannot be ragged.
          await db.execute(sql`
            INSERT INTO chunks (id, tenant_id, knowledge_base_id, document_id, ordinal, content, headings, token_count, metadata)
            SELECT u.id, ${ctx.tenantId}, u.knowledge_base_id, u.document_id, u.ordinal, u.content,
              ARRAY(SELECT jsonb_array_elements_text(u.headings::jsonb)), u.token_count, u.metadata::jsonb
            FROM unnest(${uuidArray(slice.map((row) => row.id))}, ${uuidArray(slice.map((row) => row.knowledgeBaseId))},
              ${uuidArray(slice.map((row) => row.documentId))}, ${intArray(slice.map((row) => row.ordinal))},
              ${textArray(slice.map((row) => row.content))}, ${textArray(slice.map((row) => JSON.stringify(row.headings)))},
              ${intArray(slice.map((row) => row.tokenCount))}, ${textArray(slice.map((row) => JSON.stringify(row.metadata ?? {})))})
              AS u(id, knowledge_base_id, document_id, ordinal, content, headings, token_count, metadata)`);
        }
      },

      /** The parse step's output of the documents, one statement; call with the ids whose parsed run was just recorded. */
      saveParses: async (rows: { id: string; parsed: string }[]) => {
        if (rows.length === 0) return;
        await db.execute(sql`
          INSERT INTO document_parses (document_id, tenant_id, parsed)
          SELECT u.document_id, ${ctx.tenantId}, u.parsed
          FROM unnest(${uuidArray(rows.map((row) => row.id))}, ${textArray(rows.map((row) => row.parsed))}) AS u(document_id, parsed)
          ON CONFLICT (document_id) DO UPDATE SET parsed = excluded.parsed, created_at = now()`);
      },

      /** Document id -> its parse output (JSON text); documents parsed before migration 0012 have none. */
      findParses: async (ids: string[]): Promise<Map<string, string>> => {
        if (ids.length === 0) return new Map();
        const rows = await db
          .select({ documentId: documentParses.documentId, parsed: documentParses.parsed })
          .from(documentParses)
          .where(and(eq(documentParses.tenantId, ctx.tenantId), sql`${documentParses.documentId} = ANY(${uuidArray(ids)})`));
        return new Map(rows.map((row) => [row.documentId, row.parsed]));
      },

      countChunks: async (documentId: string) =>
        (await db.select({ total: count() }).from(chunks).where(and(eq(chunks.tenantId, ctx.tenantId), eq(chunks.documentId, documentId))))[0]?.total ?? 0,
    };
  },
});
