import { requirePermission, type TenantContext } from '../../../app/context.js';
import { isUniqueViolation } from '../../../db/errors.js';
import { withTx } from '../../../db/tx.js';
import { AppError, notFound } from '../../../lib/errors.js';
import { newId } from '../../../lib/ids.js';
import { claimedDocumentType } from '../../ingestion/parsers/detect-type.js';
import { createDocumentsRepo } from '../documents.repo.js';
import { createKnowledgeBasesRepo } from '../knowledge-bases.repo.js';
import type { TBatchFromUrlsBody } from '../knowledge.schemas.js';
import { classifyFile, MIME_BY_TYPE } from './classify-file.js';
import { JOB, originalKey, type KnowledgeDeps } from './deps.js';
import { fetchUrlFile, nameFromUrl } from './fetch-url.js';
import { duplicateError, sha256 } from './ingest-file.js';
import { toDocument } from './mappers.js';
import { enqueueStep, freshRun } from './start-processing.js';
import type { StepPayload, StepRun } from './pipeline.js';

/** A refused URL, a 4xx answer, a wrong type or a duplicate will not change on retry; timeouts and 5xx may. */
const isFinal = (error: AppError) => {
  const remoteStatus = (error.details as { status?: unknown } | undefined)?.status;
  return error.statusCode < 500 || (typeof remoteStatus === 'number' && remoteStatus < 500);
};

/** Until its URL is fetched a document has no content; a per-document placeholder hash keeps the unique index happy. */
const PENDING_HASH = (id: string) => `pending:${id}`;

/**
 * Many URLs at once: each becomes a document right away (status `uploaded`, so progress and failures are visible per
 * URL) and its own fetch job, which stores the bytes and starts the usual parse -> chunk -> index chain.
 */
export const createBatchFromUrls = (deps: KnowledgeDeps) => ({
  batchFromUrls: async (ctx: TenantContext, body: TBatchFromUrlsBody) => {
    requirePermission(ctx, 'knowledge:write');
    const knowledgeBase = await createKnowledgeBasesRepo(deps.db).forTenant(ctx).findById(body.knowledgeBaseId);
    if (!knowledgeBase) throw notFound('Knowledge base');
    const skipped: { url: string; reason: string }[] = [];
    const fresh: string[] = [];
    for (const url of body.urls) {
      if (fresh.includes(url)) skipped.push({ url, reason: 'listed twice in this request' });
      else fresh.push(url);
    }
    const rows = await withTx(deps.db, async (tx) => {
      const repo = createDocumentsRepo(tx).forTenant(ctx);
      const created = [];
      for (const url of fresh) {
        const existing = await repo.findBySourceUrl(knowledgeBase.id, url);
        if (existing) {
          skipped.push({ url, reason: `already in this knowledge base as document ${existing.id}` });
          continue;
        }
        const id = newId();
        const runId = newId();
        const name = nameFromUrl(url);
        // The type is a guess from the URL until the response arrives; the fetch job sets the real one.
        const guessed = claimedDocumentType(name) ?? 'html';
        created.push(
          await repo.insert({
            id, knowledgeBaseId: knowledgeBase.id, name, type: guessed, mimeType: MIME_BY_TYPE[guessed], sizeBytes: 0,
            contentHash: PENDING_HASH(id), storageKey: originalKey(ctx.tenantId, id, 'pending'), sourceUrl: url, ...freshRun(runId),
          }),
        );
        await deps.queue.enqueue(tx, JOB.fetchUrl, { tenantId: ctx.tenantId, documentId: id, runId }, { dedupeKey: `${id}:${runId}` });
      }
      return created;
    });
    return { documents: rows.map(toDocument), skipped };
  },

  /** The fetch job: download, validate and store, then hand over to the parse step of the same run. */
  fetchDocument: async (payload: StepPayload, run: StepRun) => {
    const documents = createDocumentsRepo(deps.db).forTenant(run.ctx);
    const document = await documents.findById(payload.documentId);
    if (!document?.sourceUrl || document.processingRunId !== payload.runId || document.status === 'failed') return;
    // Replayed after its commit (the worker died before acknowledging): the content is stored and parse is queued.
    if (document.contentHash !== PENDING_HASH(document.id)) return;
    const fail = (message: string) => documents.updateRun(document.id, payload.runId, { status: 'failed', errorMessage: message });
    await documents.updateRun(document.id, payload.runId, { status: 'processing', progress: 5, processingStartedAt: new Date() });
    let file;
    try {
      file = await fetchUrlFile(deps, document.sourceUrl);
      const { type, mimeType } = classifyFile(file);
      const contentHash = sha256(file.bytes);
      const duplicate = await documents.findByHash(document.knowledgeBaseId, contentHash);
      if (duplicate && duplicate.id !== document.id) throw duplicateError(document.name, duplicate);
      const storageKey = originalKey(run.ctx.tenantId, document.id, contentHash);
      await deps.storage.put(storageKey, file.bytes, { contentType: mimeType });
      await withTx(deps.db, async (tx) => {
        const updated = await createDocumentsRepo(tx).forTenant(run.ctx).updateRun(document.id, payload.runId, {
          type, mimeType, sizeBytes: file!.bytes.length, contentHash, storageKey,
        });
        if (updated) await enqueueStep(deps.queue, tx, JOB.parse, payload);
      });
    } catch (error) {
      // Client-side problems (blocked, 404, wrong type, duplicate) are final; network trouble retries.
      if (error instanceof AppError && isFinal(error)) return void (await fail(error.message));
      if (isUniqueViolation(error)) return void (await fail('Another document in this knowledge base has the same content'));
      if (run.isLastAttempt) await fail((error as Error).message);
      throw error;
    }
  },
});
