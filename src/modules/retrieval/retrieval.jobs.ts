import { z } from 'zod';

import { withTx } from '../../db/tx.js';
import { defineJob, type ScheduleDefinition } from '../../jobs/registry.js';
import { createRetrievalRepo } from './retrieval.repo.js';
import { embeddingText, JOB, type RetrievalDeps } from './service/deps.js';

// Documents handed to the embed job per sweep: the sweep runs again at the next tick for the rest.
const SWEEP_LIMIT = 200;

export const createRetrievalJobs = (deps: RetrievalDeps) => {
  const indexedDimensions = new Set<number>();
  return {
    jobs: [
      defineJob({
        name: JOB.embed,
        payload: z.object({ tenantId: z.uuid(), documentId: z.uuid() }),
        /** Idempotent: embeds only chunks without a vector of the current model, batch by batch, until none is left. */
        handler: async (payload, run) => {
          const provider = deps.embeddings;
          if (!provider) return;
          const tenantRepo = createRetrievalRepo(deps.db).forTenant(payload);
          let knowledgeBaseId: string | undefined;
          for (;;) {
            const batch = await tenantRepo.chunksToEmbed(payload.documentId, provider.model, deps.config.embeddingBatchSize);
            if (batch.length === 0) break;
            const vectors = await provider.embed(batch.map(embeddingText), { signal: run.signal });
            if (vectors.length !== batch.length) throw new Error(`provider returned ${vectors.length} vectors for ${batch.length} texts`);
            const dimensions = vectors[0]!.length;
            if (!indexedDimensions.has(dimensions)) {
              await withTx(deps.db, (tx) => createRetrievalRepo(tx).ensureVectorIndex(dimensions));
              indexedDimensions.add(dimensions);
            }
            await tenantRepo.upsertEmbeddings(provider.model, batch.map((chunk, i) => ({ chunkId: chunk.id, knowledgeBaseId: chunk.knowledge_base_id, embedding: vectors[i]! })));
            knowledgeBaseId = batch[0]!.knowledge_base_id;
          }
          if (knowledgeBaseId) await tenantRepo.bumpVersion(knowledgeBaseId);
        },
      }),
      defineJob({
        name: JOB.reembedStale,
        payload: z.object({}),
        /** Finds chunks whose vector is missing or of another model (after a provider/model switch) and queues them. */
        handler: async () => {
          const provider = deps.embeddings;
          if (!provider) return;
          for (const row of await createRetrievalRepo(deps.db).documentsWithStaleVectors(provider.model, SWEEP_LIMIT)) {
            await deps.queue().enqueue(deps.db, JOB.embed, { tenantId: row.tenant_id, documentId: row.document_id }, { dedupeKey: row.document_id });
          }
        },
      }),
    ],
    schedules: (deps.embeddings
      ? [{ name: 'retrieval.reembed-stale.quarterly', cron: '*/15 * * * *', job: JOB.reembedStale, payload: {} }]
      : []) satisfies ScheduleDefinition[],
  };
};
