import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import { queryRows, type Executor } from '../../db/client.js';
import { GENERIC_PLAN_HINT } from '../../db/plan-hints.js';
import { intArray, textArray, uuidArray } from '../../db/sql-arrays.js';
import { chunks, documents, retrievalChunks, retrievalEmbeddings } from '../../db/schema.js';
import { BM25F, type WeightedTerm } from './scoring.js';

// Postings per INSERT (a few MB of parameters). Splitting a batch into smaller statements would not let PGlite serve
// anything in between (the caller's transaction holds it anyway); the bound is memory.
const POSTINGS_PER_STATEMENT = 50_000;

/** Terms travel space-separated in one text parameter (split by PostgreSQL in C): tokens never contain spaces. */
const spaceJoined = (terms: Iterable<string>): string => {
  const parts: string[] = [];
  for (const term of terms) {
    if (term.includes(' ')) throw new Error(`index term with a space: ${JSON.stringify(term)}`);
    parts.push(term);
  }
  return parts.join(' ');
};

export type SearchFilters = { knowledgeBaseIds: string[]; documentIds?: string[]; metadata?: Record<string, string> };
export type ScoredChunk = { chunkId: string; score: number };
/** The postings of a feedback chunk with their terms' document frequencies, for RM3. */
export type FeedbackPostings = { chunkId: string; length: number; terms: { term: string; tf: number; df: number }[] };
export type NewPosting = { term: string; titleTf: number; bodyTf: number };
export type IndexedChunk = { chunkId: string; documentId: string; titleLength: number; bodyLength: number; postings: NewPosting[] };
export type ChunkToIndex = { id: string; documentId: string; content: string; headings: string[] };
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

/**
 * The BM25F ranking as SQL (see `lexicalSearch`). The small CTEs are MATERIALIZED: inlined, the statistics aggregate
 * was re-evaluated once per posting row.
 */
const lexicalQuery = (ctx: Pick<TenantContext, 'tenantId'>, terms: WeightedTerm[], filters: SearchFilters, limit: number): SQL => {
  const kbs = uuidArray(filters.knowledgeBaseIds);
  // Postings carry tenant and document: only a metadata filter needs the chunk and document rows, and joining
  // every scored chunk before the limit is what a query costs most otherwise.
  const hasMetadata = filters.metadata !== undefined && Object.keys(filters.metadata).length > 0;
  // Code constants, inlined as literals: as parameters PostgreSQL would infer integer from `1 - $n`. Typed float8:
  // a bare 3.000000 is numeric, and numeric arithmetic on every posting was half of a query's execution time.
  const [k1, b, titleWeight, titleB] = [BM25F.k1, BM25F.b, BM25F.titleWeight, BM25F.titleB].map((n) => sql.raw(`${n.toFixed(6)}::float8`));
  return sql`
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
    ), qw AS MATERIALIZED (
      -- Each term's weight times its idf, once per term: joined per posting instead, the planner (which expects one
      -- posting per term) compared every posting with every term's statistics, most of a query's time. The average
      -- lengths ride along, so a posting joins one row instead of also rescanning the stats CTE.
      SELECT q.term, q.weight * ln(1 + (s.n - df.df + 0.5) / (df.df + 0.5)) AS w, s.avg_title, s.avg_body
      FROM q JOIN df ON df.term = q.term CROSS JOIN stats s
    ), scored AS (
      SELECT p.chunk_id, sum(qw.w * f.tfn / (${k1} + f.tfn)) AS score
      FROM qw
        JOIN retrieval_postings p ON p.term = qw.term
        CROSS JOIN LATERAL (SELECT
          ${titleWeight} * p.title_tf / (1 - ${titleB} + ${titleB} * p.title_length / qw.avg_title)
          + p.body_tf / (1 - ${b} + ${b} * p.body_length / qw.avg_body) AS tfn) f
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
    LIMIT ${limit}`;
};

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

    /** Postings go with their chunk rows (a trigger, migration 0010); the triggers keep the corpus statistics in step. */
    deleteDocumentIndex: async (documentId: string) => {
      await db.delete(retrievalChunks).where(and(eq(retrievalChunks.tenantId, ctx.tenantId), eq(retrievalChunks.documentId, documentId)));
    },

    /** `lockKnowledgeBase` for several, in one statement and in a fixed (sorted) order so two writers cannot deadlock. */
    lockKnowledgeBases: async (knowledgeBaseIds: string[]) => {
      const sorted = [...new Set(knowledgeBaseIds)].sort();
      if (sorted.length === 0) return;
      // unnest returns the array in order, and each row's lock is taken as that row is produced.
      await db.execute(sql`
        SELECT count(pg_advisory_xact_lock(hashtextextended('retrieval:' || k, 0))) FROM unnest(${textArray(sorted)}) AS k`);
    },

    findDocuments: async (documentIds: string[]) =>
      db
        .select({ id: documents.id, knowledgeBaseId: documents.knowledgeBaseId, name: documents.name, metadata: documents.metadata })
        .from(documents)
        .where(and(eq(documents.tenantId, ctx.tenantId), sql`${documents.id} = ANY(${uuidArray(documentIds)})`)),

    chunksOfDocuments: (documentIds: string[]): Promise<ChunkToIndex[]> =>
      db
        .select({ id: chunks.id, documentId: chunks.documentId, content: chunks.content, headings: chunks.headings })
        .from(chunks)
        .where(and(eq(chunks.tenantId, ctx.tenantId), sql`${chunks.documentId} = ANY(${uuidArray(documentIds)})`))
        .orderBy(chunks.documentId, chunks.ordinal),

    deleteDocumentsIndex: async (documentIds: string[]) => {
      await db.execute(sql`
        DELETE FROM retrieval_chunks WHERE tenant_id = ${ctx.tenantId} AND document_id = ANY(${uuidArray(documentIds)})`);
    },

    /**
     * Index rows of many chunks (of any of the tenant's knowledge bases) in a few statements: one for the chunk rows,
     * one per POSTINGS_PER_STATEMENT postings, one per knowledge base for its document frequencies. Chunk-level
     * columns are sent once per chunk, not once per posting. Call under `lockKnowledgeBases` of their knowledge bases.
     */
    insertChunksIndex: async (indexed: (IndexedChunk & { knowledgeBaseId: string })[]) => {
      if (indexed.length === 0) return;
      await db.execute(sql`
        INSERT INTO retrieval_chunks (chunk_id, tenant_id, knowledge_base_id, document_id, title_length, body_length)
        SELECT u.chunk_id, ${ctx.tenantId}, u.knowledge_base_id, u.document_id, u.title_length, u.body_length
        FROM unnest(${uuidArray(indexed.map((c) => c.chunkId))}, ${uuidArray(indexed.map((c) => c.knowledgeBaseId))},
          ${uuidArray(indexed.map((c) => c.documentId))}, ${intArray(indexed.map((c) => c.titleLength))},
          ${intArray(indexed.map((c) => c.bodyLength))}) AS u(chunk_id, knowledge_base_id, document_id, title_length, body_length)`);
      let start = 0;
      while (start < indexed.length) {
        // Whole chunks per statement, about POSTINGS_PER_STATEMENT postings each.
        let end = start;
        let count = 0;
        while (end < indexed.length && (count === 0 || count + indexed[end]!.postings.length <= POSTINGS_PER_STATEMENT)) count += indexed[end++]!.postings.length;
        const slice = indexed.slice(start, end);
        start = end;
        if (count === 0) continue;
        // Per chunk, its terms and their field frequencies as space-separated text: a few thousand array elements
        // instead of one per posting, split by PostgreSQL in C (string_to_array), measured ~15 % cheaper per posting
        // than a text[] holding every term. Terms are runs of letters and digits (tokenizer.ts), never spaces.
        const terms = slice.map((chunk) => spaceJoined(chunk.postings.map((posting) => posting.term)));
        const titleTf = slice.map((chunk) => chunk.postings.map((posting) => posting.titleTf).join(' '));
        const bodyTf = slice.map((chunk) => chunk.postings.map((posting) => posting.bodyTf).join(' '));
        await db.execute(sql`
          INSERT INTO retrieval_postings (knowledge_base_id, term, chunk_id, tenant_id, document_id, title_tf, body_tf, title_length, body_length)
          SELECT c.knowledge_base_id, p.term, c.chunk_id, ${ctx.tenantId}, c.document_id, p.title_tf, p.body_tf, c.title_length, c.body_length
          FROM unnest(${uuidArray(slice.map((c) => c.chunkId))}, ${uuidArray(slice.map((c) => c.knowledgeBaseId))},
              ${uuidArray(slice.map((c) => c.documentId))}, ${intArray(slice.map((c) => c.titleLength))},
              ${intArray(slice.map((c) => c.bodyLength))}, ${textArray(terms)}, ${textArray(titleTf)}, ${textArray(bodyTf)})
              AS c(chunk_id, knowledge_base_id, document_id, title_length, body_length, terms, title_tf, body_tf)
            CROSS JOIN LATERAL unnest(string_to_array(c.terms, ' '), string_to_array(c.title_tf, ' ')::int2[],
              string_to_array(c.body_tf, ' ')::int2[]) AS p(term, title_tf, body_tf)`);
      }
      // Document frequencies (migration 0012): each (knowledge base, term) of the batch is upserted once, with its
      // count of new postings; sorted, so two writers would take the rows' locks in the same order.
      const dfByKnowledgeBase = new Map<string, Map<string, number>>();
      for (const chunk of indexed) {
        let counts = dfByKnowledgeBase.get(chunk.knowledgeBaseId);
        if (!counts) dfByKnowledgeBase.set(chunk.knowledgeBaseId, (counts = new Map()));
        for (const posting of chunk.postings) counts.set(posting.term, (counts.get(posting.term) ?? 0) + 1);
      }
      for (const [knowledgeBaseId, counts] of [...dfByKnowledgeBase].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (counts.size === 0) continue;
        const terms = [...counts.keys()].sort();
        await db.execute(sql`
          INSERT INTO retrieval_term_stats AS s (knowledge_base_id, term, df)
          SELECT ${knowledgeBaseId}::uuid, u.term, u.df
          FROM unnest(string_to_array(${spaceJoined(terms)}, ' '), string_to_array(${terms.map((term) => counts.get(term)).join(' ')}, ' ')::int4[]) AS u(term, df)
          ON CONFLICT (knowledge_base_id, term) DO UPDATE SET df = s.df + excluded.df`);
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
     * the searched knowledge bases; filters apply before the limit.
     */
    lexicalSearch: async (terms: WeightedTerm[], filters: SearchFilters, limit: number): Promise<ScoredChunk[]> => {
      if (terms.length === 0) return [];
      const rows = await queryRows<{ chunk_id: string; score: number }>(db, lexicalQuery(ctx, terms, filters, limit));
      return rows.map((row) => ({ chunkId: row.chunk_id, score: Number(row.score) }));
    },

    /** `lexicalSearch` with `hydrate`'s rows, in one round trip: what a lexical-only search returns as it is. */
    lexicalSearchHydrated: async (terms: WeightedTerm[], filters: SearchFilters, limit: number): Promise<(ScoredChunk & HydratedChunk)[]> => {
      if (terms.length === 0) return [];
      const rows = await queryRows<{ chunk_id: string; score: number; document_id: string; knowledge_base_id: string; document_name: string; document_title: string | null; source_url: string | null; content: string; headings: string[] }>(db, sql`
        WITH ranked AS MATERIALIZED (${lexicalQuery(ctx, terms, filters, limit)})
        SELECT r.chunk_id, r.score, c.document_id, c.knowledge_base_id, d.name AS document_name, d.metadata ->> 'title' AS document_title,
          d.source_url, c.content, c.headings
        FROM ranked r
          JOIN chunks c ON c.id = r.chunk_id AND c.tenant_id = ${ctx.tenantId}
          JOIN documents d ON d.id = c.document_id AND d.tenant_id = ${ctx.tenantId}
        ORDER BY r.score DESC, r.chunk_id`);
      return rows.map((row) => ({
        chunkId: row.chunk_id,
        score: Number(row.score),
        documentId: row.document_id,
        knowledgeBaseId: row.knowledge_base_id,
        documentName: row.document_name,
        documentTitle: row.document_title,
        sourceUrl: row.source_url,
        content: row.content,
        headings: row.headings,
      }));
    },

    /**
     * The first pass of RM3 in one round trip: the BM25F ranking and, for its top `feedbackChunks`, every posting
     * with the term's document frequency summed over the searched knowledge bases (what the expansion weighs by).
     */
    lexicalSearchWithFeedback: async (terms: WeightedTerm[], filters: SearchFilters, limit: number, feedbackChunks: number) => {
      if (terms.length === 0) return { hits: [] as ScoredChunk[], feedback: [] as FeedbackPostings[] };
      // A feedback chunk's postings come back as one row of space-separated lists (terms never hold spaces): one row
      // per posting made parsing the result cost more than running the statement on PGlite.
      // On PGlite its generic plan (planned once) runs as fast as the custom ones, and planning was ~13 % of a search.
      const rows = await queryRows<{ part: number; ord: number; chunk_id: string; score: number | null; terms: string | null; tfs: string | null; length: number | null; dfs: string | null }>(db, sql`${sql.raw(GENERIC_PLAN_HINT)}
        WITH hits AS MATERIALIZED (${lexicalQuery(ctx, terms, filters, limit)}),
        ranked AS MATERIALIZED (SELECT chunk_id, score, row_number() OVER (ORDER BY score DESC, chunk_id) AS ord FROM hits)
        SELECT 0 AS part, r.ord::int AS ord, r.chunk_id, r.score, NULL::text AS terms, NULL::text AS tfs, NULL::int AS length, NULL::text AS dfs
        FROM ranked r
        UNION ALL
        SELECT 1, 0, f.chunk_id, NULL, string_agg(f.term, ' '), string_agg(f.tf::text, ' '), max(f.length), string_agg(f.df::text, ' ')
        FROM (
          SELECT p.chunk_id, p.term, p.title_tf::int + p.body_tf AS tf, (p.title_length + p.body_length)::int AS length,
            (SELECT coalesce(sum(t.df), 1) FROM retrieval_term_stats t
             WHERE t.knowledge_base_id = ANY(${uuidArray(filters.knowledgeBaseIds)}) AND t.term = p.term) AS df
          FROM retrieval_postings p
          WHERE p.tenant_id = ${ctx.tenantId} AND p.chunk_id IN (SELECT chunk_id FROM ranked WHERE ord <= ${feedbackChunks})
        ) f
        GROUP BY f.chunk_id`);
      const hits = rows
        .filter((row) => row.part === 0)
        .sort((a, b) => a.ord - b.ord)
        .map((row) => ({ chunkId: row.chunk_id, score: Number(row.score) }));
      const feedback = rows.filter((row) => row.part === 1).map((row): FeedbackPostings => {
        const [tfs, dfs] = [row.tfs!.split(' '), row.dfs!.split(' ')];
        return { chunkId: row.chunk_id, length: Number(row.length), terms: row.terms!.split(' ').map((term, i) => ({ term, tf: Number(tfs[i]), df: Number(dfs[i]) })) };
      });
      return { hits, feedback };
    },

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
