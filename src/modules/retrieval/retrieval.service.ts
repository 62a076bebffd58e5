import { requirePermission, type TenantContext } from '../../app/context.js';
import { createRetrievalRepo } from './retrieval.repo.js';
import type { TRetrievalStats } from './retrieval.schemas.js';
import { createSearchCache } from './search-cache.js';
import type { RetrievalDeps } from './service/deps.js';
import { createIndexing } from './service/indexing.js';
import { createSearch } from './service/search.js';

/** The retrieval engine: index maintenance for ingestion, search for agents and the API, embedding stats. */
export const createRetrievalService = (deps: RetrievalDeps) => {
  const { indexDocument, indexDocuments, removeDocument } = createIndexing(deps);
  const { search, searchWithMode } = createSearch(deps, createSearchCache(deps.config.cache));
  return {
    indexDocument,
    indexDocuments,
    removeDocument,
    search,
    searchWithMode,

    stats: async (ctx: TenantContext): Promise<TRetrievalStats> => {
      requirePermission(ctx, 'knowledge:read');
      const { indexed, byModel } = await createRetrievalRepo(deps.db).forTenant(ctx).stats();
      const model = deps.embeddings?.model ?? null;
      return {
        chunksIndexed: indexed,
        chunksEmbedded: byModel.filter((row) => row.model === model).reduce((sum, row) => sum + row.chunks, 0),
        embeddingModel: model,
        byModel,
      };
    },
  };
};

export type RetrievalService = ReturnType<typeof createRetrievalService>;
