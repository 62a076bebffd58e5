import type { TenantContext } from '../../../app/context.js';
import type { Executor } from '../../../db/client.js';
import { createRetrievalRepo, type IndexedChunk } from '../retrieval.repo.js';
import { fieldFrequencies } from '../scoring.js';
import { tokenize } from '../tokenizer.js';
import { JOB, type RetrievalDeps } from './deps.js';

export const createIndexing = (deps: RetrievalDeps) => {
  /**
   * (Re)builds the index rows of the documents' chunks inside the caller's transaction: delete then insert, so running
   * it twice gives the same rows. The title field is the document title plus the chunk's headings (BM25F). A fixed
   * number of statements whatever the number of documents: the knowledge pipeline indexes a whole batch at once.
   */
  const indexDocuments = async (tx: Executor, ctx: Pick<TenantContext, 'tenantId'>, documentIds: string[]): Promise<void> => {
    if (documentIds.length === 0) return;
    const repo = createRetrievalRepo(tx).forTenant(ctx);
    const found = await repo.findDocuments(documentIds);
    if (found.length === 0) return;
    await repo.lockKnowledgeBases(found.map((document) => document.knowledgeBaseId));
    const ids = found.map((document) => document.id);
    await repo.deleteDocumentsIndex(ids);
    const byId = new Map(found.map((document) => [document.id, { ...document, titleTerms: tokenize(document.metadata.title ?? document.name) }]));
    const indexed: (IndexedChunk & { knowledgeBaseId: string })[] = [];
    for (const chunk of await repo.chunksOfDocuments(ids)) {
      const document = byId.get(chunk.documentId)!;
      const title = [...document.titleTerms, ...tokenize(chunk.headings.join(' '))];
      const body = tokenize(chunk.content);
      const postings = [...fieldFrequencies(title, body)].map(([term, tf]) => ({ term, ...tf }));
      indexed.push({ chunkId: chunk.id, documentId: chunk.documentId, knowledgeBaseId: document.knowledgeBaseId, titleLength: title.length, bodyLength: body.length, postings });
    }
    await repo.insertChunksIndex(indexed);
    if (deps.embeddings && indexed.length > 0) {
      const embedded = [...new Set(indexed.map((chunk) => chunk.documentId))];
      await deps.queue().enqueueMany(tx, JOB.embed, embedded.map((documentId) => ({ payload: { tenantId: ctx.tenantId, documentId }, dedupeKey: documentId })));
    }
  };

  return {
    indexDocuments,
    indexDocument: (tx: Executor, ctx: Pick<TenantContext, 'tenantId'>, documentId: string): Promise<void> => indexDocuments(tx, ctx, [documentId]),

    /** Drops a document's index rows (deleting the document or its chunks cascades to them as well). */
    removeDocument: async (tx: Executor, ctx: Pick<TenantContext, 'tenantId'>, documentId: string): Promise<void> => {
      const repo = createRetrievalRepo(tx).forTenant(ctx);
      const document = await repo.findDocument(documentId);
      if (document) await repo.lockKnowledgeBase(document.knowledgeBaseId);
      await repo.deleteDocumentIndex(documentId);
    },
  };
};
