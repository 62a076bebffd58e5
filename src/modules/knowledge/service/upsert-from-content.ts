import { requirePermission, type TenantContext } from '../../../app/context.js';
import type { Tx } from '../../../db/client.js';
import { withTx } from '../../../db/tx.js';
import { AppError, notFound } from '../../../lib/errors.js';
import { newId } from '../../../lib/ids.js';
import { createDocumentsRepo, type DocumentRow, type NewDocument } from '../documents.repo.js';
import { createKnowledgeBasesRepo } from '../knowledge-bases.repo.js';
import type { TDocument } from '../knowledge.schemas.js';
import { cleanName, MIME_BY_TYPE } from './classify-file.js';
import { JOB, originalKey, requestStatistics, storedKeysOf, type KnowledgeDeps } from './deps.js';
import { nameFromUrl } from './fetch-url.js';
import { sha256 } from './ingest-file.js';
import { toDocument } from './mappers.js';
import { freshRun } from './start-processing.js';

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

/** Entries per call of `upsertDocumentsFromContent`: one transaction holds them all. */
export const UPSERT_MANY_LIMIT = 1000;
// Originals written at once: overlaps storage latency without holding many requests open.
const STORAGE_CONCURRENCY = 8;
// A delete-files job carries at most 1000 keys; each replaced document contributes two.
const DELETED_DOCUMENTS_PER_JOB = 500;

export type UpsertManyFromContentInput = { knowledgeBaseId: string; documents: Omit<UpsertFromContentInput, 'knowledgeBaseId'>[] };

/** Writes `items` through `work` with at most `limit` in flight. */
const forEachConcurrent = async <T>(items: T[], limit: number, work: (item: T) => Promise<void>) => {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
};

/**
 * Creates or replaces the documents of many source URLs of one knowledge base and queues their processing, with a
 * fixed number of statements whatever the count (one transaction, multi-row insert and enqueue); the website crawler
 * and bulk imports use it. Per entry, like `upsertDocumentFromContent`: `created`, `updated`, `unchanged` (same hash)
 * or `duplicate`. Duplicates are judged against the knowledge base as it was before the call and against earlier
 * entries of the same call; a source URL may appear once per call. Pass `tx` to join the caller's transaction (on
 * PGlite the caller's job must then not use the outer database handle either).
 */
export const createUpsertManyFromContent =
  (deps: KnowledgeDeps) =>
  async (ctx: TenantContext, input: UpsertManyFromContentInput, options: { tx?: Tx } = {}): Promise<UpsertFromContentResult[]> => {
    requirePermission(ctx, 'knowledge:write');
    if (input.documents.length > UPSERT_MANY_LIMIT) throw new AppError('VALIDATION_ERROR', `At most ${UPSERT_MANY_LIMIT} documents per call`);
    const urls = input.documents.map((entry) => entry.sourceUrl);
    if (new Set(urls).size !== urls.length) throw new AppError('VALIDATION_ERROR', 'A source URL may appear only once per call');
    const reader = options.tx ?? deps.db;
    const knowledgeBase = await createKnowledgeBasesRepo(reader).forTenant(ctx).findById(input.knowledgeBaseId);
    if (!knowledgeBase) throw notFound('Knowledge base');
    if (input.documents.length === 0) return [];

    const entries = input.documents.map((entry) => {
      const bytes = Buffer.from(entry.content, 'utf8');
      return { entry, bytes, contentHash: entry.contentHash ?? sha256(bytes) };
    });
    const documents = createDocumentsRepo(reader).forTenant(ctx);
    const existingByUrl = new Map((await documents.findBySourceUrls(knowledgeBase.id, urls)).map((row) => [row.sourceUrl!, row]));
    const byHash = new Map<string, DocumentRow>((await documents.findByHashes(knowledgeBase.id, [...new Set(entries.map((e) => e.contentHash))])).map((row) => [row.contentHash, row]));

    type Write = (typeof entries)[number] & { existing?: DocumentRow; id: string; runId: string; storageKey: string; fields: NewDocument };
    // Per entry: settled now, written by this call, or a duplicate of an earlier entry's write.
    const plan: ({ settled: UpsertFromContentResult } | { write: Write } | { duplicateOf: Write })[] = [];
    const writes: Write[] = [];
    const claimed = new Map<string, Write>();
    for (const prepared of entries) {
      const existing = existingByUrl.get(prepared.entry.sourceUrl);
      const duplicate = byHash.get(prepared.contentHash);
      const earlier = claimed.get(prepared.contentHash);
      if (existing?.contentHash === prepared.contentHash) plan.push({ settled: { outcome: 'unchanged', document: toDocument(existing) } });
      else if (duplicate) plan.push({ settled: { outcome: 'duplicate', document: toDocument(duplicate) } });
      else if (earlier) plan.push({ duplicateOf: earlier });
      else {
        const type = prepared.entry.contentType;
        const id = existing?.id ?? newId();
        const storageKey = originalKey(ctx.tenantId, id, prepared.contentHash);
        const write: Write = {
          ...prepared, existing, id, runId: newId(), storageKey,
          fields: {
            id,
            knowledgeBaseId: knowledgeBase.id,
            sourceUrl: prepared.entry.sourceUrl,
            name: cleanName(prepared.entry.title, nameFromUrl(prepared.entry.sourceUrl)),
            type,
            mimeType: MIME_BY_TYPE[type],
            sizeBytes: prepared.bytes.length,
            contentHash: prepared.contentHash,
            storageKey,
            metadata: { ...existing?.metadata, ...prepared.entry.metadata },
          },
        };
        claimed.set(prepared.contentHash, write);
        writes.push(write);
        plan.push({ write });
      }
    }

    await forEachConcurrent(writes, STORAGE_CONCURRENCY, (write) => deps.storage.put(write.storageKey, write.bytes, { contentType: write.fields.mimeType }));
    const persist = async (tx: Tx) => {
      const repo = createDocumentsRepo(tx).forTenant(ctx);
      const rows = new Map<string, DocumentRow>();
      for (const write of writes.filter((w) => w.existing)) {
        const { id: _id, knowledgeBaseId: _kb, sourceUrl: _url, ...fields } = write.fields;
        const row = await repo.update(write.id, { ...fields, ...freshRun(write.runId) });
        if (!row) throw notFound('Document');
        rows.set(row.id, row);
      }
      const inserted = await repo.insertMany(writes.filter((w) => !w.existing).map((w) => ({ ...w.fields, processingRunId: w.runId })));
      for (const row of inserted) rows.set(row.id, row);
      await requestStatistics(deps, tx, inserted.length);
      await deps.queue.enqueueMany(tx, JOB.parse, writes.map((w) => ({ payload: { tenantId: ctx.tenantId, documentId: w.id, runId: w.runId }, dedupeKey: `${w.id}:${w.runId}` })));
      const replaced = writes.flatMap((w) => (w.existing && w.existing.storageKey !== w.storageKey ? [w.existing] : []));
      for (let start = 0; start < replaced.length; start += DELETED_DOCUMENTS_PER_JOB) {
        await deps.queue.enqueue(tx, JOB.deleteFiles, { tenantId: ctx.tenantId, keys: replaced.slice(start, start + DELETED_DOCUMENTS_PER_JOB).flatMap(storedKeysOf) });
      }
      return rows;
    };
    let rows: Map<string, DocumentRow>;
    try {
      rows = options.tx ? await persist(options.tx) : await withTx(deps.db, persist);
    } catch (error) {
      await forEachConcurrent(writes.filter((w) => !w.existing), STORAGE_CONCURRENCY, (w) => deps.storage.delete(w.storageKey).catch(() => {}));
      throw error;
    }
    const written = (write: Write) => toDocument(rows.get(write.id)!);
    return plan.map((step): UpsertFromContentResult => {
      if ('settled' in step) return step.settled;
      if ('duplicateOf' in step) return { outcome: 'duplicate', document: written(step.duplicateOf) };
      return { outcome: step.write.existing ? 'updated' : 'created', document: written(step.write) };
    });
  };

/**
 * For the website crawler: creates or replaces the document of a source URL and queues its processing, doing
 * nothing when the content hash has not changed. Pass `tx` to join the caller's transaction (on PGlite the caller's
 * job must then not use the outer database handle either).
 */
export const createUpsertFromContent = (deps: KnowledgeDeps) => {
  const upsertMany = createUpsertManyFromContent(deps);
  return async (ctx: TenantContext, input: UpsertFromContentInput, options: { tx?: Tx } = {}): Promise<UpsertFromContentResult> => {
    const { knowledgeBaseId, ...entry } = input;
    return (await upsertMany(ctx, { knowledgeBaseId, documents: [entry] }, options))[0]!;
  };
};
