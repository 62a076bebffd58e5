import { requirePermission, type TenantContext } from '../../../app/context.js';
import type { Tx } from '../../../db/client.js';
import { withTx } from '../../../db/tx.js';
import { notFound } from '../../../lib/errors.js';
import { newId } from '../../../lib/ids.js';
import { createDocumentsRepo } from '../documents.repo.js';
import { createKnowledgeBasesRepo } from '../knowledge-bases.repo.js';
import type { TDocument } from '../knowledge.schemas.js';
import { cleanName, MIME_BY_TYPE } from './classify-file.js';
import { JOB, originalKey, storedKeysOf, type KnowledgeDeps } from './deps.js';
import { nameFromUrl } from './fetch-url.js';
import { sha256 } from './ingest-file.js';
import { toDocument } from './mappers.js';
import { enqueueStep, freshRun } from './start-processing.js';

export type UpsertFromContentInput = {
  knowledgeBaseId: string;
  /** The page's URL: one document per source URL and knowledge base. */
  sourceUrl: string;
  title?: string;
  content: string;
  contentType: 'html' | 'markdown';
  /** Your own hash of the content, if you keep one; defaults to the SHA-256 of `content`. */
  contentHash?: string;
  metadata?: Record<string, unknown>;
};

export type UpsertFromContentResult = {
  /** `duplicate`: another document of this knowledge base already has this exact content; nothing was written. */
  outcome: 'created' | 'updated' | 'unchanged' | 'duplicate';
  document: TDocument;
};

/**
 * For the website crawler: creates or replaces the document of a source URL and queues its processing, doing
 * nothing when the content hash has not changed. Pass `tx` to join the caller's transaction (on PGlite the caller's
 * job must then not use the outer database handle either).
 */
export const createUpsertFromContent =
  (deps: KnowledgeDeps) =>
  async (ctx: TenantContext, input: UpsertFromContentInput, options: { tx?: Tx } = {}): Promise<UpsertFromContentResult> => {
    requirePermission(ctx, 'knowledge:write');
    const reader = options.tx ?? deps.db;
    const knowledgeBase = await createKnowledgeBasesRepo(reader).forTenant(ctx).findById(input.knowledgeBaseId);
    if (!knowledgeBase) throw notFound('Knowledge base');
    const bytes = Buffer.from(input.content, 'utf8');
    const contentHash = input.contentHash ?? sha256(bytes);
    const documents = createDocumentsRepo(reader).forTenant(ctx);
    const existing = await documents.findBySourceUrl(knowledgeBase.id, input.sourceUrl);
    if (existing?.contentHash === contentHash) return { outcome: 'unchanged', document: toDocument(existing) };
    const duplicate = await documents.findByHash(knowledgeBase.id, contentHash);
    if (duplicate) return { outcome: 'duplicate', document: toDocument(duplicate) };

    const type = input.contentType;
    const id = existing?.id ?? newId();
    const storageKey = originalKey(ctx.tenantId, id, contentHash);
    await deps.storage.put(storageKey, bytes, { contentType: MIME_BY_TYPE[type] });
    const fields = {
      name: cleanName(input.title, nameFromUrl(input.sourceUrl)),
      type,
      mimeType: MIME_BY_TYPE[type],
      sizeBytes: bytes.length,
      contentHash,
      storageKey,
      metadata: { ...existing?.metadata, ...input.metadata },
    };
    const write = async (tx: Tx) => {
      const repo = createDocumentsRepo(tx).forTenant(ctx);
      const runId = newId();
      const row = existing
        ? await repo.update(existing.id, { ...fields, ...freshRun(runId) })
        : await repo.insert({ id, knowledgeBaseId: knowledgeBase.id, sourceUrl: input.sourceUrl, ...fields, ...freshRun(runId) });
      if (!row) throw notFound('Document');
      await enqueueStep(deps.queue, tx, JOB.parse, { tenantId: ctx.tenantId, documentId: row.id, runId });
      if (existing && existing.storageKey !== storageKey) {
        await deps.queue.enqueue(tx, JOB.deleteFiles, { tenantId: ctx.tenantId, keys: storedKeysOf(existing) });
      }
      return row;
    };
    try {
      const row = options.tx ? await write(options.tx) : await withTx(deps.db, write);
      return { outcome: existing ? 'updated' : 'created', document: toDocument(row) };
    } catch (error) {
      if (!existing) await deps.storage.delete(storageKey).catch(() => {});
      throw error;
    }
  };
