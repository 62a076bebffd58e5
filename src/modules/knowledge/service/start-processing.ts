import type { TenantContext } from '../../../app/context.js';
import type { Tx } from '../../../db/client.js';
import type { Queue } from '../../../jobs/queue.js';
import { newId } from '../../../lib/ids.js';
import { createDocumentsRepo, type DocumentPatch } from '../documents.repo.js';
import { JOB } from './deps.js';

/** The fields that put a document back at the start of the lifecycle under a new run id. */
export const freshRun = (runId: string): DocumentPatch => ({
  status: 'uploaded',
  progress: 0,
  errorMessage: null,
  processingRunId: runId,
  processingStartedAt: null,
  processingMs: null,
});

export const enqueueStep = (queue: Pick<Queue, 'enqueue'>, tx: Tx, step: (typeof JOB)['parse' | 'chunk' | 'index'], input: { tenantId: string; documentId: string; runId: string }) =>
  queue.enqueue(tx, step, input, { dedupeKey: `${input.documentId}:${input.runId}` });

/**
 * (Re)starts the parse -> chunk -> index chain for a document in the caller's transaction. The new run id makes jobs
 * of any earlier run no-ops, so a reprocess during processing cannot interleave two runs.
 */
export const startProcessing = async (queue: Pick<Queue, 'enqueue'>, tx: Tx, ctx: Pick<TenantContext, 'tenantId'>, documentId: string, patch: DocumentPatch = {}) => {
  const runId = newId();
  const row = await createDocumentsRepo(tx).forTenant(ctx).update(documentId, { ...patch, ...freshRun(runId) });
  if (row) await enqueueStep(queue, tx, JOB.parse, { tenantId: ctx.tenantId, documentId, runId });
  return row;
};
