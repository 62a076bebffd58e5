import { createHash } from 'node:crypto';

import type { TenantContext } from '../../../app/context.js';
import { isUniqueViolation } from '../../../db/errors.js';
import { withTx } from '../../../db/tx.js';
import { AppError, notFound } from '../../../lib/errors.js';
import { newId } from '../../../lib/ids.js';
import { createDocumentsRepo, type DocumentRow } from '../documents.repo.js';
import { createKnowledgeBasesRepo } from '../knowledge-bases.repo.js';
import { classifyFile } from './classify-file.js';
import { JOB, originalKey, type KnowledgeDeps } from './deps.js';
import { enqueueStep, freshRun } from './start-processing.js';

export type IncomingFile = { bytes: Buffer; filename: string; declaredMime?: string };

export const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

export const duplicateError = (name: string, existing: Pick<DocumentRow, 'id' | 'name'>) =>
  new AppError('CONFLICT', `"${name}" has the same content as document "${existing.name}" (${existing.id}) in this knowledge base`, {
    existingDocumentId: existing.id,
  });

/**
 * Validates, stores and registers a new document, then queues its processing. The original is stored before the
 * row commits (a crash in between leaves an unreferenced object, never a row without its file) and removed again
 * when the insert fails.
 */
export const ingestFile = async (
  deps: KnowledgeDeps,
  ctx: TenantContext,
  input: { knowledgeBaseId: string; file: IncomingFile; name: string; sourceUrl?: string },
): Promise<DocumentRow> => {
  const knowledgeBase = await createKnowledgeBasesRepo(deps.db).forTenant(ctx).findById(input.knowledgeBaseId);
  if (!knowledgeBase) throw notFound('Knowledge base');
  const { type, mimeType } = classifyFile(input.file);
  const contentHash = sha256(input.file.bytes);
  const existing = await createDocumentsRepo(deps.db).forTenant(ctx).findByHash(knowledgeBase.id, contentHash);
  if (existing) throw duplicateError(input.name, existing);

  const id = newId();
  const storageKey = originalKey(ctx.tenantId, id, contentHash);
  await deps.storage.put(storageKey, input.file.bytes, { contentType: mimeType });
  try {
    return await withTx(deps.db, async (tx) => {
      const runId = newId();
      const row = await createDocumentsRepo(tx).forTenant(ctx).insert({
        id,
        knowledgeBaseId: knowledgeBase.id,
        name: input.name,
        type,
        mimeType,
        sizeBytes: input.file.bytes.length,
        contentHash,
        storageKey,
        sourceUrl: input.sourceUrl ?? null,
        ...freshRun(runId),
      });
      await enqueueStep(deps.queue, tx, JOB.parse, { tenantId: ctx.tenantId, documentId: id, runId });
      return row;
    });
  } catch (error) {
    await deps.storage.delete(storageKey).catch(() => {});
    if (!isUniqueViolation(error)) throw error;
    const winner = await createDocumentsRepo(deps.db).forTenant(ctx).findByHash(knowledgeBase.id, contentHash);
    throw duplicateError(input.name, winner ?? { id: 'unknown', name: 'another upload' });
  }
};
