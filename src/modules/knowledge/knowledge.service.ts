import { requirePermission, type TenantContext } from '../../app/context.js';
import type { Tx } from '../../db/client.js';
import { createBatchFromUrls } from './service/batch-from-urls.js';
import type { KnowledgeDeps } from './service/deps.js';
import { createDocumentsUseCases, deleteDocuments } from './service/documents.js';
import { createIngestFiles } from './service/ingest-files.js';
import { createKnowledgeBasesUseCases } from './service/knowledge-bases.js';
import { createUpsertFromContent, createUpsertManyFromContent } from './service/upsert-from-content.js';

export type { UpsertFromContentInput, UpsertFromContentResult, UpsertManyFromContentInput } from './service/upsert-from-content.js';

/** Knowledge bases and their documents; each use case lives in service/<use-case>.ts. */
export const createKnowledgeService = (deps: KnowledgeDeps) => {
  const { batchFromUrls } = createBatchFromUrls(deps);
  return {
    knowledgeBases: createKnowledgeBasesUseCases(deps),
    documents: { ...createDocumentsUseCases(deps), batchFromUrls, uploadMany: createIngestFiles(deps) },
    /** For the website crawler's job handler. */
    upsertDocumentFromContent: createUpsertFromContent(deps),
    /** Many documents of one knowledge base in one transaction (bulk imports); up to UPSERT_MANY_LIMIT per call. */
    upsertDocumentsFromContent: createUpsertManyFromContent(deps),
    /** For the website crawler: a page that is gone takes its document along, in the crawler's transaction. */
    removeDocumentInTx: async (ctx: TenantContext, id: string, options: { tx: Tx }) => {
      requirePermission(ctx, 'knowledge:delete');
      return (await deleteDocuments(deps, options.tx, ctx, [id])).length > 0;
    },
  };
};

export type KnowledgeService = ReturnType<typeof createKnowledgeService>;
