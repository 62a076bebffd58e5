import { requirePermission, type TenantContext } from '../../../app/context.js';
import { withTx } from '../../../db/tx.js';
import { AppError, notFound } from '../../../lib/errors.js';
import { toPage } from '../../../lib/pagination.js';
import { createDocumentsRepo } from '../documents.repo.js';
import { createKnowledgeBasesRepo } from '../knowledge-bases.repo.js';
import type {
  TCreateKnowledgeBaseBody,
  TKnowledgeBaseSummary,
  TListKnowledgeBasesQuery,
  TUpdateKnowledgeBaseBody,
} from '../knowledge.schemas.js';
import { JOB, storedKeysOf, type KnowledgeDeps } from './deps.js';
import { toKnowledgeBase } from './mappers.js';
import { startProcessing } from './start-processing.js';

// Keeps each cleanup job's payload small; a knowledge base with 10k documents becomes 40 jobs.
const KEYS_PER_DELETE_JOB = 500;

export const createKnowledgeBasesUseCases = (deps: KnowledgeDeps) => {
  const repoOf = (ctx: TenantContext) => createKnowledgeBasesRepo(deps.db).forTenant(ctx);
  const getWithCounts = async (ctx: TenantContext, id: string) => {
    const row = await repoOf(ctx).findWithCounts(id);
    if (!row) throw notFound('Knowledge base');
    return toKnowledgeBase(row);
  };

  return {
    create: async (ctx: TenantContext, input: TCreateKnowledgeBaseBody) => {
      requirePermission(ctx, 'knowledge:write');
      const row = await repoOf(ctx).insert(input);
      return toKnowledgeBase({ ...row, documentCount: 0, chunkCount: 0 });
    },

    list: async (ctx: TenantContext, query: TListKnowledgeBasesQuery) => {
      requirePermission(ctx, 'knowledge:read');
      const { items, total } = await repoOf(ctx).list(query);
      return toPage(items.map(toKnowledgeBase), total, query);
    },

    get: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'knowledge:read');
      return getWithCounts(ctx, id);
    },

    /** New chunking settings apply to documents processed from now on; `retrain` re-chunks the existing ones. */
    update: async (ctx: TenantContext, id: string, patch: TUpdateKnowledgeBaseBody) => {
      requirePermission(ctx, 'knowledge:write');
      const current = await repoOf(ctx).findById(id);
      if (!current) throw notFound('Knowledge base');
      const chunkSize = patch.chunkSize ?? current.chunkSize;
      if (patch.chunkOverlap !== undefined && patch.chunkOverlap > chunkSize / 2) {
        throw new AppError('VALIDATION_ERROR', `chunkOverlap must be at most half of chunkSize (${chunkSize})`);
      }
      // Shrinking only the chunk size keeps the stored overlap valid by clamping it.
      const chunkOverlap = Math.min(patch.chunkOverlap ?? current.chunkOverlap, Math.floor(chunkSize / 2));
      if (!(await repoOf(ctx).update(id, { ...patch, chunkOverlap }))) throw notFound('Knowledge base');
      return getWithCounts(ctx, id);
    },

    remove: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'knowledge:delete');
      await withTx(deps.db, async (tx) => {
        const knowledgeBases = createKnowledgeBasesRepo(tx).forTenant(ctx);
        if (!(await knowledgeBases.lockById(id))) throw notFound('Knowledge base');
        const keys = (await createDocumentsRepo(tx).forTenant(ctx).listByKnowledgeBase(id)).flatMap(storedKeysOf);
        await knowledgeBases.delete(id);
        for (let start = 0; start < keys.length; start += KEYS_PER_DELETE_JOB) {
          await deps.queue.enqueue(tx, JOB.deleteFiles, { tenantId: ctx.tenantId, keys: keys.slice(start, start + KEYS_PER_DELETE_JOB) });
        }
      });
    },

    /** Re-runs parse -> chunk -> index for every document that has content, each as its own chain of jobs. */
    retrain: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'knowledge:write');
      const queued = await withTx(deps.db, async (tx) => {
        if (!(await createKnowledgeBasesRepo(tx).forTenant(ctx).lockById(id))) throw notFound('Knowledge base');
        const documents = await createDocumentsRepo(tx).forTenant(ctx).listByKnowledgeBase(id);
        let count = 0;
        for (const document of documents) {
          if (document.contentHash.startsWith('pending:')) continue;
          await startProcessing(deps.queue, tx, ctx, document.id);
          count += 1;
        }
        return count;
      });
      return { knowledgeBaseId: id, queued };
    },

    summary: async (ctx: TenantContext, id: string): Promise<TKnowledgeBaseSummary> => {
      requirePermission(ctx, 'knowledge:read');
      const knowledgeBase = await repoOf(ctx).findById(id);
      if (!knowledgeBase) throw notFound('Knowledge base');
      const { byGroup, chunks, tokens, top } = await repoOf(ctx).summary(id);
      const byType: Record<string, number> = {};
      const byStatus: Record<string, number> = {};
      let total = 0;
      let totalBytes = 0;
      let pages = 0;
      for (const group of byGroup) {
        byType[group.type] = (byType[group.type] ?? 0) + group.documents;
        byStatus[group.status] = (byStatus[group.status] ?? 0) + group.documents;
        total += group.documents;
        totalBytes += Number(group.bytes);
        pages += group.pages;
      }
      return {
        knowledgeBaseId: id,
        documents: { total, byType, byStatus, totalBytes, pages },
        chunks,
        tokens,
        lastIndexedAt: knowledgeBase.lastIndexedAt?.toISOString() ?? null,
        topDocuments: top,
      };
    },
  };
};

export type KnowledgeBasesUseCases = ReturnType<typeof createKnowledgeBasesUseCases>;
