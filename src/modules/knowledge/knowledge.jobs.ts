import { z } from 'zod';

import { defineJob, type BatchItem, type JobRun } from '../../jobs/registry.js';
import { createBatchFromUrls } from './service/batch-from-urls.js';
import { JOB, type KnowledgeDeps } from './service/deps.js';
import { createPipeline, type StepItem, type StepPayload, type StepRun } from './service/pipeline.js';
import { createSummarize } from './service/summarize.js';

const ZStepPayload = z.object({ tenantId: z.uuid(), documentId: z.uuid(), runId: z.uuid() });
const ZDeleteFilesPayload = z.object({ tenantId: z.uuid(), keys: z.array(z.string().min(1)).min(1).max(1000) });

// Parsing is deterministic (a ParseError fails the document at once); retries cover storage, database or network.
const STEP_ATTEMPTS = 3;

/**
 * Jobs of a pipeline step claimed together: each step costs a few multi-row statements per batch instead of a dozen
 * per document. Parsing holds one original at a time per storage lane but can take seconds per PDF, hence fewer.
 */
const BATCH_SIZE = { parse: 100, chunk: 200, index: 200 } as const;

const stepRunOf = (run: JobRun): StepRun => ({ ctx: run.ctx!, isLastAttempt: run.attempt >= STEP_ATTEMPTS });

const stepJob = (name: string, handler: (payload: StepPayload, run: StepRun) => Promise<void>, batch?: { size: number; handler: (items: StepItem[]) => Promise<void> }) =>
  defineJob({
    name,
    payload: ZStepPayload,
    maxAttempts: STEP_ATTEMPTS,
    handler: (payload, run: JobRun) => handler(payload, stepRunOf(run)),
    batch: batch && {
      size: batch.size,
      handler: (items: BatchItem<StepPayload>[]) => batch.handler(items.map(({ payload, run }) => ({ payload, run: stepRunOf(run) }))),
    },
  });

export const createKnowledgeJobs = (deps: KnowledgeDeps) => {
  const pipeline = createPipeline(deps);
  const { fetchDocument } = createBatchFromUrls(deps);
  return [
    stepJob(JOB.fetchUrl, fetchDocument),
    stepJob(JOB.parse, pipeline.parse, { size: BATCH_SIZE.parse, handler: pipeline.parseMany }),
    stepJob(JOB.chunk, pipeline.chunk, { size: BATCH_SIZE.chunk, handler: pipeline.chunkMany }),
    stepJob(JOB.index, pipeline.index, { size: BATCH_SIZE.index, handler: pipeline.indexMany }),
    stepJob(JOB.summarize, createSummarize(deps)),
    defineJob({
      name: JOB.deleteFiles,
      payload: ZDeleteFilesPayload,
      handler: async (payload) => {
        const prefix = `tenants/${payload.tenantId}/`;
        for (const key of payload.keys) {
          // A job only ever deletes files of the tenant it was enqueued for.
          if (!key.startsWith(prefix)) throw new Error(`refusing to delete ${key} for tenant ${payload.tenantId}`);
          await deps.storage.delete(key);
        }
      },
    }),
  ];
};
