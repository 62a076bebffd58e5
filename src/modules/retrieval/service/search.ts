import { requirePermission, type TenantContext } from '../../../app/context.js';
import { AppError, notFound } from '../../../lib/errors.js';
import { createRetrievalRepo, type CorpusStats, type HydratedChunk, type ScoredChunk, type SearchFilters } from '../retrieval.repo.js';
import { ZSearchInput, type TSearchInput, type TSearchResponse, type TSearchResult } from '../retrieval.schemas.js';
import { expandQuery, queryTerms, reciprocalRankFusion, RM3 } from '../scoring.js';
import { buildSnippet } from '../snippet.js';
import { tokenize } from '../tokenizer.js';
import type { RetrievalDeps, SearchCache } from './deps.js';

/** Candidates each ranker contributes to fusion: deep enough that a chunk ranked well by only one list survives. */
const FUSION_DEPTH = 100;

type Ranked = { chunkId: string; score: number };

export type SearchOptions = {
  /**
   * The statistics of the searched knowledge bases when the caller read them already, in a statement scoped to the
   * tenant (an agent's turn reads them with the agent); otherwise the search reads them.
   */
  corpus?: CorpusStats[];
};

export const createSearch = (deps: RetrievalDeps, cache: SearchCache) => {
  const log = deps.logger.child({ component: 'retrieval' });

  /**
   * BM25F, then a second BM25F pass with the RM3-expanded query. With `hydrate` (a lexical-only search, whose ranking
   * is its answer) the second pass also reads the chunks' rows, saving the separate read.
   */
  const lexical = async (ctx: TenantContext, query: string, filters: SearchFilters, chunkCount: number, limit: number, hydrate: boolean): Promise<{ ranked: Ranked[]; rows?: HydratedChunk[] }> => {
    const repo = createRetrievalRepo(deps.db).forTenant(ctx);
    const original = queryTerms(tokenize(query));
    const { hits: first, feedback: postings } = await repo.lexicalSearchWithFeedback(original, filters, Math.max(limit, RM3.feedbackChunks), RM3.feedbackChunks);
    if (first.length === 0) return { ranked: first, rows: [] };
    const byChunk = new Map(postings.map((chunk) => [chunk.chunkId, chunk]));
    const feedback = first.slice(0, RM3.feedbackChunks).map((hit) => ({ score: hit.score, length: byChunk.get(hit.chunkId)?.length ?? 0, terms: byChunk.get(hit.chunkId)?.terms ?? [] }));
    const expanded = expandQuery(original, feedback, chunkCount);
    if (!hydrate) return { ranked: await repo.lexicalSearch(expanded, filters, limit) };
    const rows = await repo.lexicalSearchHydrated(expanded, filters, limit);
    return { ranked: rows, rows };
  };

  /** Nearest chunks by vector, or undefined when the provider fails: search then answers lexically. */
  const semantic = async (ctx: TenantContext, query: string, filters: SearchFilters): Promise<ScoredChunk[] | undefined> => {
    const provider = deps.embeddings;
    if (!provider) return undefined;
    try {
      const [vector] = await provider.embed([query], { signal: AbortSignal.timeout(deps.config.queryEmbeddingTimeoutMs), maxRetries: 0 });
      if (!vector) return undefined;
      return await createRetrievalRepo(deps.db).forTenant(ctx).vectorSearch(vector, provider.model, filters, FUSION_DEPTH);
    } catch (error) {
      log.warn({ err: error, tenant_id: ctx.tenantId }, 'query embedding failed; answering with lexical search only');
      return undefined;
    }
  };

  const rank = async (ctx: TenantContext, input: ReturnType<typeof ZSearchInput.parse>, chunkCount: number) => {
    const filters: SearchFilters = { knowledgeBaseIds: input.knowledgeBaseIds, documentIds: input.documentIds, metadata: input.metadata };
    const [lexicalHits, vectorHits] = await Promise.all([
      lexical(ctx, input.query, filters, chunkCount, deps.embeddings ? FUSION_DEPTH : input.topK, !deps.embeddings),
      semantic(ctx, input.query, filters),
    ]);
    if (!vectorHits) return { mode: 'lexical' as const, ...lexicalHits };
    const fused = reciprocalRankFusion([lexicalHits.ranked.map((hit) => hit.chunkId), vectorHits.map((hit) => hit.chunkId)]);
    const ranked: Ranked[] = [...fused].map(([chunkId, score]) => ({ chunkId, score })).sort((a, b) => b.score - a.score || a.chunkId.localeCompare(b.chunkId));
    return { mode: 'hybrid' as const, ranked, rows: undefined };
  };

  const toResults = async (ctx: TenantContext, query: string, ranked: Ranked[], hydrated?: HydratedChunk[]): Promise<TSearchResult[]> => {
    const rows = hydrated ?? (await createRetrievalRepo(deps.db).forTenant(ctx).hydrate(ranked.map((hit) => hit.chunkId)));
    const byId = new Map(rows.map((row) => [row.chunkId, row]));
    const highlight = new Set(tokenize(query));
    return ranked.flatMap((hit) => {
      const row = byId.get(hit.chunkId);
      if (!row) return []; // deleted between ranking and reading
      return [{
        chunkId: row.chunkId,
        documentId: row.documentId,
        knowledgeBaseId: row.knowledgeBaseId,
        documentTitle: row.documentTitle ?? row.documentName,
        sourceUrl: row.sourceUrl,
        content: row.content,
        headings: row.headings,
        snippet: buildSnippet(row.content, highlight),
        score: hit.score,
      }];
    });
  };

  /**
   * Ranked chunks of the tenant's knowledge bases for a query. Lexical BM25F + RM3 always; fused with vector search
   * by reciprocal rank fusion when an embedding provider is configured. `minScore` applies to the returned score
   * (BM25F in lexical mode, the RRF score in hybrid mode). Another tenant's knowledge base id -> 404.
   */
  const searchWithMode = async (ctx: TenantContext, raw: TSearchInput, options: SearchOptions = {}): Promise<TSearchResponse> => {
    requirePermission(ctx, 'knowledge:read');
    const parsed = ZSearchInput.safeParse(raw);
    if (!parsed.success) throw new AppError('VALIDATION_ERROR', 'invalid search request', parsed.error.issues);
    const input = { ...parsed.data, knowledgeBaseIds: [...new Set(parsed.data.knowledgeBaseIds)] };
    const known = options.corpus?.filter((kb) => input.knowledgeBaseIds.includes(kb.knowledgeBaseId));
    const stats = known?.length === input.knowledgeBaseIds.length ? known : await createRetrievalRepo(deps.db).forTenant(ctx).corpusStats(input.knowledgeBaseIds);
    if (stats.length < input.knowledgeBaseIds.length) throw notFound('Knowledge base');

    const key = cache.key({
      tenantId: ctx.tenantId,
      versions: stats,
      request: [input.query, input.topK, input.minScore, [...(input.documentIds ?? [])].sort(), input.metadata ?? {}, deps.embeddings?.model],
    });
    const cached = cache.get(key);
    if (cached) return cached;

    const chunkCount = stats.reduce((sum, kb) => sum + kb.chunkCount, 0);
    const { mode, ranked, rows } = await rank(ctx, input, chunkCount);
    const kept = ranked.filter((hit) => input.minScore === undefined || hit.score >= input.minScore).slice(0, input.topK);
    const response = { mode, results: await toResults(ctx, input.query, kept, rows) };
    // A lexical answer given because the provider failed is not cached: the next query should try vectors again.
    if (mode === 'hybrid' || !deps.embeddings) cache.set(key, response);
    return response;
  };

  return {
    searchWithMode,
    search: async (ctx: TenantContext, input: TSearchInput, options: SearchOptions = {}): Promise<TSearchResult[]> => (await searchWithMode(ctx, input, options)).results,
  };
};
