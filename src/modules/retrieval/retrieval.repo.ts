import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import { queryRows, type Executor } from '../../db/client.js';
import { chunks, documents, retrievalChunks, retrievalEmbeddings, retrievalPostings } from '../../db/schema.js';
import { BM25F, type WeightedTerm } from './scoring.js';

// Rows per INSERT: 9 parameters a posting keeps a statement far below PostgreSQL's 65k limit, and each statement
// short enough that PGlite (on the main thread) keeps serving requests in between.
const POSTINGS_BATCH = 500;

export type SearchFilters = { knowledgeBaseIds: string[]; documentIds?: string[]; metadata?: Record<string, string> };
export type ScoredChunk = { chunkId: string; score: number };
export type NewPosting = { term: string; titleTf: number; bodyTf: number };
export type IndexedChunk = { chunkId: string; documentId: string; titleLength: number; bodyLength: number; postings: NewPosting[] };
export type CorpusStats = { knowledgeBaseId: string; version: number; chunkCount: number };
export type HydratedChunk = {
  chunkId: string;
  documentId: string;
  knowledgeBaseId: string;
  documentName: string;
  documentTitle: string | null;
  sourceUrl: string | null;
  content: string;
  headings: string[];
};

/** PostgreSQL array parameters: drizzle would otherwise expand a JS array into a parenthesised list. */
const uuidArray = (ids: string[]) => sql`${sql.param(`{${ids.join(',')}}`)}::uuid[]`;
const textArray = (values: string[]) => sql`${sql.param(values)}::text[]`;

/** Postings filters shared by every scoring statement: the tenant and knowledge bases are part of the query. */
const chunkFilters = (tenantId: string, filters: SearchFilters, alias: { chunk: SQL; document: SQL }) => sql.join(
  [
    sql`${alias.chunk}.tenant_id = ${tenantId}`,
    sql`${alias.document}.tenant_id = ${tenantId}`,
    filters.documentIds?.length ? sql`${alias.chunk}.document_id = ANY(${uuidArray(filters.documentIds)})` : undefined,
    // Chunk metadata overrides the document's, key by key.
    filters.metadata && Object.keys(filters.metadata).length
      ? sql`(${alias.document}.metadata || ${alias.chunk}.metadata) @> ${JSON.stringify(filters.metadata)}::jsonb`
      : undefined,
  ].filter((part): part is SQL => part !== undefined),
  sql` AND `,
);

export const createRetrievalRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => ({
    /** Serialises index writes per knowledge base: concurrent writers would otherwise deadlock on shared df rows. */
    lockKnowledgeBase: async (knowledgeBaseId: string) => {
      await db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`retrieval:${knowledgeBaseId}`}, 0))`);
    },

    findDocument: async (documentId: string) =>
      (
        await db
          .select({ id: documents.id, knowledgeBaseId: documents.knowledgeBaseId, name: documents.name, metadata: documents.metadata })
          .from(documents)
          .where(and(eq(documents.tenantId, ctx.tenantId), eq(documents.id, documentId)))
      )[0],

    chunksOfDocument: (documentId: string) =>
      db
        .select({ id: chunks.id, content: chunks.content, headings: chunks.headings })
        .from(chunks)
        .where(and(eq(chunks.tenantId, ctx.tenantId), eq(chunks.documentId, documentId)))
        .orderBy(chunks.ordinal),

    /** Postings go with their chunk rows (cascade); the triggers keep the corpus statistics in step. */
    deleteDocumentIndex: async (documentId: string) => {
      await db.delete(retrievalChunks).where(and(eq(retrievalChunks.tenantId, ctx.tenantId), eq(retrievalChunks.documentId, documentId)));
    },

    insertChunkIndex: async (knowledgeBaseId: string, indexed: IndexedChunk[]) => {
      if (indexed.length === 0) return;
      await db.insert(retrievalChunks).values(
        indexed.map((chunk) => ({
          chunkId: chunk.chunkId,
          tenantId: ctx.tenantId,
          knowledgeBaseId,
          documentId: chunk.documentId,
          titleLength: chunk.titleLength,
          bodyLength: chunk.bodyLength,
        })),
      );
      const rows = indexed.flatMap((chunk) =>
        chunk.postings.map((posting) => ({
          knowledgeBaseId,
          term: posting.term,
          chunkId: chunk.chunkId,
          tenantId: ctx.tenantId,
          documentId: chunk.documentId,
          titleTf: posting.titleTf,
          bodyTf: posting.bodyTf,
          titleLength: chunk.titleLength,
          bodyLength: chunk.bodyLength,
        })),
      );
      for (let start = 0; start < rows.length; start += POSTINGS_BATCH) {
        await db.insert(retrievalPostings).values(rows.slice(start, start + POSTINGS_BATCH));
      }
    },

    /** The tenant's knowledge bases among `ids`, with their statistics; a missing id is not the tenant's. */
    corpusStats: async (knowledgeBaseIds: string[]): Promise<CorpusStats[]> =>
      (
        await queryRows<{ id: string; version: string | number; chunk_count: string | number }>(db, sql`
          SELECT kb.id, coalesce(s.version, 0) AS version, coalesce(s.chunk_count, 0) AS chunk_count
          FROM knowledge_bases kb LEFT JOIN retrieval_kb_stats s ON s.knowledge_base_id = kb.id
          WHERE kb.tenant_id = ${ctx.tenantId} AND kb.id = ANY(${uuidArray(knowledgeBaseIds)})`)
      ).map((row) => ({ knowledgeBaseId: row.id, version: Number(row.version), chunkCount: Number(row.chunk_count) })),

    /**
     * BM25F over the postings of the query terms. Corpus statistics (N, average field lengths, df) are summed over
     * the searched knowledge bases; filters apply before the limit. The small CTEs are MATERIALIZED: inlined, the
     * statistics aggregate was re-evaluated once per posting row.
     */
    lexicalSearch: async (terms: WeightedTerm[], filters: SearchFilters, limit: number): Promise<ScoredChunk[]> => {
      if (terms.length === 0) return [];
      const kbs = uuidArray(filters.knowledgeBaseIds);
      // Postings carry tenant and document: only a metadata filter needs the chunk and document rows, and joining
      // every scored chunk before the limit is what a query costs most otherwise.
      const hasMetadata = filters.metadata !== undefined && Object.keys(filters.metadata).length > 0;
      // Code constants, inlined as literals: as parameters PostgreSQL would infer integer from `1 - $n`. Typed float8:
      // a bare 3.000000 is numeric, and numeric arithmetic on every posting was half of a query's execution time.
      const [k1, b, titleWeight, titleB] = [BM25F.k1, BM25F.b, BM25F.titleWeight, BM25F.titleB].map((n) => sql.raw(`${n.toFixed(6)}::float8`));
      const rows = await queryRows<{ chunk_id: string; score: number }>(db, sql`
        WITH q AS MATERIALIZED (
          SELECT * FROM unnest(${textArray(terms.map((t) => t.term))}, ${sql.param(terms.map((t) => t.weight))}::float8[]) AS q(term, weight)
        ), stats AS MATERIALIZED (
          SELECT greatest(sum(chunk_count), 1)::float8 AS n,
            greatest(sum(title_length_sum)::float8 / greatest(sum(chunk_count), 1), 1) AS avg_title,
            greatest(sum(body_length_sum)::float8 / greatest(sum(chunk_count), 1), 1) AS avg_body
          FROM retrieval_kb_stats WHERE tenant_id = ${ctx.tenantId} AND knowledge_base_id = ANY(${kbs})
        ), df AS MATERIALIZED (
          SELECT term, sum(df)::float8 AS df FROM retrieval_term_stats
          WHERE knowledge_base_id = ANY(${kbs}) AND term = ANY(${textArray(terms.map((t) => t.term))}) AND df > 0
          GROUP BY term
        ), scored AS (
          SELECT p.chunk_id,
            sum(q.weight * ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5)) * f.tfn / (${k1} + f.tfn)) AS score
          FROM retrieval_postings p
            JOIN q ON q.term = p.term
            JOIN df ON df.term = p.term
            CROSS JOIN stats s
            CROSS JOIN LATERAL (SELECT
              ${titleWeight} * p.title_tf / (1 - ${titleB} + ${titleB} * p.title_length / s.avg_title)
              + p.body_tf / (1 - ${b} + ${b} * p.body_length / s.avg_body) AS tfn) f
          -- The explicit term list lets the planner read the postings through the (knowledge base, term) index.
          WHERE p.knowledge_base_id = ANY(${kbs}) AND p.term = ANY(${textArray(terms.map((t) => t.term))}) AND p.tenant_id = ${ctx.tenantId}
            ${filters.documentIds?.length ? sql`AND p.document_id = ANY(${uuidArray(filters.documentIds)})` : sql``}
          GROUP BY p.chunk_id
        )
        SELECT sc.chunk_id, sc.score
        FROM scored sc
        ${hasMetadata ? sql`JOIN chunks c ON c.id = sc.chunk_id JOIN documents d ON d.id = c.document_id
          WHERE ${chunkFilters(ctx.tenantId, filters, { chunk: sql`c`, document: sql`d` })}` : sql``}
        ORDER BY sc.score DESC, sc.chunk_id
        LIMIT ${limit}`);
      return rows.map((row) => ({ chunkId: row.chunk_id, score: Number(row.score) }));
    },

    /** Term statistics of the first-pass top chunks, for RM3 query expansion. */
    feedbackTerms: async (knowledgeBaseIds: string[], chunkIds: string[]) =>
      queryRows<{ chunk_id: string; term: string; tf: number; length: number; df: number }>(db, sql`
        SELECT p.chunk_id, p.term, (p.title_tf + p.body_tf)::int AS tf, (p.title_length + p.body_length)::int AS length,
          (SELECT coalesce(sum(t.df), 1)::int FROM retrieval_term_stats t
           WHERE t.knowledge_base_id = ANY(${uuidArray(knowledgeBaseIds)}) AND t.term = p.term) AS df
        FROM retrieval_postings p
        WHERE p.tenant_id = ${ctx.tenantId} AND p.chunk_id = ANY(${uuidArray(chunkIds)})`),

    /** Nearest chunks by cosine distance among vectors of `model`; the cast matches the per-dimension HNSW index. */
    vectorSearch: async (vector: number[], model: string, filters: SearchFilters, limit: number): Promise<ScoredChunk[]> => {
      const dims = sql.raw(String(Math.trunc(vector.length)));
      const literal = sql`${`[${vector.join(',')}]`}::vector(${dims})`;
      const rows = await queryRows<{ chunk_id: string; similarity: number }>(db, sql`
        SELECT e.chunk_id, 1 - (e.embedding::vector(${dims}) <=> ${literal}) AS similarity
        FROM retrieval_embeddings e
          JOIN chunks c ON c.id = e.chunk_id
          JOIN documents d ON d.id = c.document_id
        WHERE e.tenant_id = ${ctx.tenantId} AND e.knowledge_base_id = ANY(${uuidArray(filters.knowledgeBaseIds)})
          AND e.model = ${model} AND e.dimensions = ${vector.length}
          AND ${chunkFilters(ctx.tenantId, filters, { chunk: sql`c`, document: sql`d` })}
        ORDER BY e.embedding::vector(${dims}) <=> ${literal}
        LIMIT ${limit}`);
      return rows.map((row) => ({ chunkId: row.chunk_id, score: Number(row.similarity) }));
    },

    hydrate: async (chunkIds: string[]): Promise<HydratedChunk[]> => {
      if (chunkIds.length === 0) return [];
      const rows = await db
        .select({
          chunkId: chunks.id,
          documentId: chunks.documentId,
          knowledgeBaseId: chunks.knowledgeBaseId,
          documentName: documents.name,
          documentTitle: sql<string | null>`${documents.metadata} ->> 'title'`,
          sourceUrl: documents.sourceUrl,
          content: chunks.content,
          headings: chunks.headings,
        })
        .from(chunks)
        .innerJoin(documents, eq(documents.id, chunks.documentId))
        .where(and(eq(chunks.tenantId, ctx.tenantId), eq(documents.tenantId, ctx.tenantId), inArray(chunks.id, chunkIds)));
      return rows;
    },

    /** Chunks of the document without a vector of `model` (new chunks, or vectors of a previous model). */
    chunksToEmbed: (documentId: string, model: string, limit: number) =>
      queryRows<{ id: string; knowledge_base_id: string; content: string; headings: string[]; title: string }>(db, sql`
        SELECT c.id, c.knowledge_base_id, c.content, c.headings, coalesce(d.metadata ->> 'title', d.name) AS title
        FROM chunks c JOIN documents d ON d.id = c.document_id
          LEFT JOIN retrieval_embeddings e ON e.chunk_id = c.id AND e.model = ${model}
        WHERE c.tenant_id = ${ctx.tenantId} AND d.tenant_id = ${ctx.tenantId} AND c.document_id = ${documentId} AND e.chunk_id IS NULL
        ORDER BY c.ordinal
        LIMIT ${limit}`),

    upsertEmbeddings: async (model: string, rows: { chunkId: string; knowledgeBaseId: string; embedding: number[] }[]) => {
      if (rows.length === 0) return;
      await db
        .insert(retrievalEmbeddings)
        .values(rows.map((row) => ({ ...row, tenantId: ctx.tenantId, model, dimensions: row.embedding.length })))
        .onConflictDoUpdate({
          target: retrievalEmbeddings.chunkId,
          set: { model, dimensions: sql`excluded.dimensions`, embedding: sql`excluded.embedding`, createdAt: sql`now()` },
        });
    },

    /** New vectors change hybrid results: invalidates cached searches of the knowledge base. */
    bumpVersion: async (knowledgeBaseId: string) => {
      await db.execute(sql`
        UPDATE retrieval_kb_stats SET version = version + 1, updated_at = now()
        WHERE tenant_id = ${ctx.tenantId} AND knowledge_base_id = ${knowledgeBaseId}`);
    },

    stats: async () => {
      const [totals] = await queryRows<{ indexed: number; embedded: number }>(db, sql`
        SELECT (SELECT count(*) FROM retrieval_chunks WHERE tenant_id = ${ctx.tenantId})::int AS indexed,
          (SELECT count(*) FROM retrieval_embeddings WHERE tenant_id = ${ctx.tenantId})::int AS embedded`);
      const byModel = await queryRows<{ model: string; dimensions: number; chunks: number }>(db, sql`
        SELECT model, dimensions, count(*)::int AS chunks FROM retrieval_embeddings
        WHERE tenant_id = ${ctx.tenantId} GROUP BY model, dimensions ORDER BY model, dimensions`);
      return { indexed: Number(totals?.indexed ?? 0), embedded: Number(totals?.embedded ?? 0), byModel };
    },
  }),

  /** Cross-tenant, for the re-embed sweep only: which (tenant, document) pairs have chunks without a current vector. */
  documentsWithStaleVectors: (model: string, limit: number) =>
    queryRows<{ tenant_id: string; document_id: string }>(db, sql`
      SELECT DISTINCT c.tenant_id, c.document_id
      FROM retrieval_chunks c LEFT JOIN retrieval_embeddings e ON e.chunk_id = c.chunk_id AND e.model = ${model}
      WHERE e.chunk_id IS NULL
      LIMIT ${limit}`),

  /**
   * One HNSW index per dimension in use, on the cast the vector search orders by. Idempotent; run it in a
   * transaction: the advisory lock keeps two workers from racing on CREATE INDEX IF NOT EXISTS (PostgreSQL then
   * fails one with a duplicate pg_class name).
   */
  ensureVectorIndex: async (dimensions: number) => {
    const dims = Math.trunc(dimensions);
    await db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended('retrieval:hnsw', 0))`);
    await db.execute(sql.raw(`
      CREATE INDEX IF NOT EXISTS retrieval_embeddings_hnsw_${dims} ON retrieval_embeddings
      USING hnsw ((embedding::vector(${dims})) vector_cosine_ops) WHERE dimensions = ${dims}`));
  },
});
