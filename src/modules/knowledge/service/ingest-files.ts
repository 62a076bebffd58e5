import { requirePermission, type TenantContext } from '../../../app/context.js';
import { isUniqueViolation } from '../../../db/errors.js';
import { withTx } from '../../../db/tx.js';
import { AppError, notFound } from '../../../lib/errors.js';
import { newId } from '../../../lib/ids.js';
import { createDocumentsRepo } from '../documents.repo.js';
import { createKnowledgeBasesRepo } from '../knowledge-bases.repo.js';
import type { TDocument } from '../knowledge.schemas.js';
import { classifyFile, cleanName } from './classify-file.js';
import { JOB, originalKey, requestStatistics, type KnowledgeDeps } from './deps.js';
import { duplicateError, sha256, type IncomingFile } from './ingest-file.js';
import { toDocument } from './mappers.js';

// Originals written at once: overlaps storage latency while bounding open requests.
const STORAGE_CONCURRENCY = 8;

export type SkippedFile = { filename: string; code: string; reason: string; existingDocumentId?: string };

/**
 * Many files into one knowledge base (`POST /documents/batch`): each file is checked like a single upload (type from
 * content and name, duplicate content); those that pass are stored and registered in one transaction with one
 * multi-row insert and one multi-row enqueue of their parse jobs. A file that fails a check is reported in `skipped`
 * with the code and message a single upload would have answered, and does not stop the others.
 */
export const createIngestFiles =
  (deps: KnowledgeDeps) =>
  async (ctx: TenantContext, input: { knowledgeBaseId: string; files: IncomingFile[] }): Promise<{ documents: TDocument[]; skipped: SkippedFile[] }> => {
    requirePermission(ctx, 'knowledge:write');
    const knowledgeBase = await createKnowledgeBasesRepo(deps.db).forTenant(ctx).findById(input.knowledgeBaseId);
    if (!knowledgeBase) throw notFound('Knowledge base');

    const skipped: SkippedFile[] = [];
    const skip = (filename: string, error: AppError) => {
      const existingDocumentId = (error.details as { existingDocumentId?: string } | undefined)?.existingDocumentId;
      skipped.push({ filename, code: error.code, reason: error.message, ...(existingDocumentId ? { existingDocumentId } : {}) });
    };
    const accepted: { file: IncomingFile; name: string; type: string; mimeType: string; contentHash: string }[] = [];
    for (const file of input.files) {
      try {
        accepted.push({ file, name: cleanName(file.filename, 'document'), ...classifyFile(file), contentHash: sha256(file.bytes) });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        skip(file.filename, error);
      }
    }
    const existing = new Map(
      (await createDocumentsRepo(deps.db).forTenant(ctx).findByHashes(knowledgeBase.id, [...new Set(accepted.map((a) => a.contentHash))])).map((row) => [row.contentHash, row]),
    );
    const fresh: ((typeof accepted)[number] & { id: string; runId: string; storageKey: string })[] = [];
    for (const candidate of accepted) {
      const earlier = existing.get(candidate.contentHash) ?? fresh.find((other) => other.contentHash === candidate.contentHash);
      if (earlier) {
        skip(candidate.file.filename, duplicateError(candidate.name, earlier));
        continue;
      }
      const id = newId();
      fresh.push({ ...candidate, id, runId: newId(), storageKey: originalKey(ctx.tenantId, id, candidate.contentHash) });
    }
    if (fresh.length === 0) return { documents: [], skipped };

    // Stored before the rows commit (a crash in between leaves unreferenced objects, never rows without files).
    let next = 0;
    const lane = async () => {
      while (next < fresh.length) {
        const item = fresh[next++]!;
        await deps.storage.put(item.storageKey, item.file.bytes, { contentType: item.mimeType });
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(STORAGE_CONCURRENCY, fresh.length) }, lane));
      const rows = await withTx(deps.db, async (tx) => {
        const inserted = await createDocumentsRepo(tx).forTenant(ctx).insertMany(
          fresh.map((item) => ({
            id: item.id,
            knowledgeBaseId: knowledgeBase.id,
            name: item.name,
            type: item.type,
            mimeType: item.mimeType,
            sizeBytes: item.file.bytes.length,
            contentHash: item.contentHash,
            storageKey: item.storageKey,
            sourceUrl: null,
            processingRunId: item.runId,
          })),
        );
        await deps.queue.enqueueMany(
          tx,
          JOB.parse,
          fresh.map((item) => ({ payload: { tenantId: ctx.tenantId, documentId: item.id, runId: item.runId }, dedupeKey: `${item.id}:${item.runId}` })),
        );
        await requestStatistics(deps, tx, inserted.length);
        return inserted;
      });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return { documents: fresh.map((item) => toDocument(byId.get(item.id)!)), skipped };
    } catch (error) {
      await Promise.all(fresh.map((item) => deps.storage.delete(item.storageKey).catch(() => {})));
      // Another upload stored the same content meanwhile (the unique index decided): nothing of this one was kept.
      if (isUniqueViolation(error)) throw new AppError('CONFLICT', 'Another upload added some of these files at the same time; send them again');
      throw error;
    }
  };
