import type { TenantContext } from '../../../app/context.js';
import type { Executor } from '../../../db/client.js';
import { createRetrievalRepo, type IndexedChunk } from '../retrieval.repo.js';
import { fieldFrequencies } from '../scoring.js';
import { tokenize } from '../tokenizer.js';
import { JOB, type RetrievalDeps } from './deps.js';

// Chunks per INSERT round: with their postings that is a few thousand rows, a short statement for PGlite.
const CHUNK_BATCH = 50;

export const createIndexing = (deps: RetrievalDeps) => ({
  /**
   * (Re)builds the index rows of a document's chunks inside the caller's transaction: delete then insert, so running
   * it twice gives the same rows. The title field is the document title plus the chunk's headings (BM25F).
   */
  indexDocument: async (tx: Executor, ctx: Pick<TenantContext, 'tenantId'>, documentId: string): Promise<void> => {
    const repo = createRetrievalRepo(tx).forTenant(ctx);
    const document = await repo.findDocument(documentId);
    if (!document) return;
    await repo.lockKnowledgeBase(document.knowledgeBaseId);
    await repo.deleteDocumentIndex(documentId);
    const titleTerms = tokenize(document.metadata.title ?? document.name);
    const rows = await repo.chunksOfDocument(documentId);
    for (let start = 0; start < rows.length; start += CHUNK_BATCH) {
      const indexed: IndexedChunk[] = rows.slice(start, start + CHUNK_BATCH).map((chunk) => {
        const title = [...titleTerms, ...tokenize(chunk.headings.join(' '))];
        const body = tokenize(chunk.content);
        const postings = [...fieldFrequencies(title, body)].map(([term, tf]) => ({ term, ...tf }));
        return { chunkId: chunk.id, documentId, titleLength: title.length, bodyLength: body.length, postings };
      });
      await repo.insertChunkIndex(document.knowledgeBaseId, indexed);
    }
    if (deps.embeddings && rows.length > 0) {
      await deps.queue().enqueue(tx, JOB.embed, { tenantId: ctx.tenantId, documentId }, { dedupeKey: documentId });
    }
  },

  /** Drops a document's index rows (deleting the document or its chunks cascades to them as well). */
  removeDocument: async (tx: Executor, ctx: Pick<TenantContext, 'tenantId'>, documentId: string): Promise<void> => {
    const repo = createRetrievalRepo(tx).forTenant(ctx);
    const document = await repo.findDocument(documentId);
    if (document) await repo.lockKnowledgeBase(document.knowledgeBaseId);
    await repo.deleteDocumentIndex(documentId);
  },
});
