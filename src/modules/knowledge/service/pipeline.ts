import type { TenantContext } from '../../../app/context.js';
import { StorageNotFoundError } from '../../../adapters/storage/port.js';
import type { Tx } from '../../../db/client.js';
import type { DocumentMetadata } from '../../../db/tables/knowledge.js';
import { withTx } from '../../../db/tx.js';
import { newId } from '../../../lib/ids.js';
import { chunkDocument } from '../../ingestion/chunker.js';
import { BINARY_TYPES, claimedDocumentType } from '../../ingestion/parsers/detect-type.js';
import { ParseError, parseDocument, type DocumentType, type ParsedDocument } from '../../ingestion/parsers/index.js';
import { createDocumentsRepo, type DocumentRow, type NewChunk, type RunRef } from '../documents.repo.js';
import { createKnowledgeBasesRepo } from '../knowledge-bases.repo.js';
import { JOB, parsedKey, type KnowledgeDeps } from './deps.js';
import { SUMMARY_KEYS } from './summarize.js';

export type StepPayload = { tenantId: string; documentId: string; runId: string };
export type StepRun = { ctx: TenantContext; isLastAttempt: boolean };
export type StepItem = { payload: StepPayload; run: StepRun };

const EXTENSION: Record<DocumentType, string> = {
  pdf: 'pdf', docx: 'docx', xlsx: 'xlsx', csv: 'csv', json: 'json', html: 'html', markdown: 'md', txt: 'txt',
};
const EXTRACTED_KEYS = ['title', 'author', 'language', 'pageCount'] as const;

/**
 * The progress each step's last transaction commits together with the next step's job. A job replayed after that
 * commit (its worker was killed before acknowledging it) finds the run already past it and does nothing: redoing it
 * would send a processed document back to `processing`, or swap its chunks and drop its index under live searches.
 */
const DONE_AT = { parse: 40, chunk: 70, index: 100 } as const;

/** Stored objects read or written at once by a batch: overlaps storage latency, bounds the bytes held in memory. */
const STORAGE_CONCURRENCY = 8;
/**
 * One transaction per this many source bytes (parse and chunk steps) or chunks (index step): a batch of large
 * documents is committed in parts, so memory and the time PGlite is held by one transaction stay bounded.
 */
const TX_SOURCE_BYTES = 8 * 1024 * 1024;
const INDEX_TX_CHUNKS = 4000;
/**
 * A parse batch of text formats within this many bytes parses in a few milliseconds per document: its documents go
 * from `uploaded` to `processing` at 40 % in the transaction that stores the parse output, without a separate
 * `processing` at 10 % first that would be visible for that long only (one statement less per batch, ~0.4 s of
 * PGlite's thread for BEIR SciFact). Binary formats (PDF, DOCX, XLSX) or more text can take seconds, and get it.
 */
const QUICK_PARSE_BYTES = 2 * 1024 * 1024;

/** The parser picks its parser from the name, so a renamed document ("Pricing") still needs its type's extension. */
const parserFilename = (document: DocumentRow) =>
  claimedDocumentType(document.name) === document.type ? document.name : `${document.name}.${EXTENSION[document.type as DocumentType]}`;

/** Extracted fields come from the latest parse; anything else (e.g. the crawler's metadata) is kept. */
const mergeMetadata = (current: DocumentMetadata, parsed: ParsedDocument['metadata'], isExtracting: boolean): DocumentMetadata => {
  const kept: DocumentMetadata = { ...current };
  // A summary describes the content it was made from; the new run makes its own when asked to.
  for (const key of [...EXTRACTED_KEYS, ...SUMMARY_KEYS]) delete kept[key];
  if (!isExtracting) return kept;
  const extracted = Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined && value !== ''));
  return { ...extracted, ...kept };
};

/** Runs `work` over `items` with at most `limit` in flight; results keep the input order. */
const mapConcurrent = async <T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
};

/** Consecutive groups whose summed weight stays within `max` (a heavier item forms a group alone). */
const groupsOf = <T>(items: T[], weight: (item: T) => number, max: number): T[][] => {
  const groups: T[][] = [];
  let current: T[] = [];
  let total = 0;
  for (const item of items) {
    if (current.length > 0 && total + weight(item) > max) {
      groups.push(current);
      current = [];
      total = 0;
    }
    current.push(item);
    total += weight(item);
  }
  if (current.length > 0) groups.push(current);
  return groups;
};

/** A document's failure the step records itself (the job completes); anything else is thrown and retried. */
type Outcome<T> = { ok: true; value: T } | { ok: false; message: string } | { ok: false; error: unknown };

const expectedFailure = (error: unknown): string | undefined => {
  if (error instanceof ParseError) return `${error.reason}: ${error.message}`;
  if (error instanceof StorageNotFoundError) return 'The stored file of this document is missing; upload it again.';
  return undefined;
};

const attempt = async <T>(work: () => Promise<T>): Promise<Outcome<T>> => {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const message = expectedFailure(error);
    return message === undefined ? { ok: false, error } : { ok: false, message };
  }
};

/**
 * The ingestion chain, one idempotent step per job: parse (original -> text and sections, kept as JSON in the
 * document_parses table), chunk (sections -> chunks, replaced in one transaction), index (the retrieval engine's
 * rows, then `processed`). Every step first checks that its run is still the document's current one; a stale or
 * deleted document makes it a no-op.
 *
 * Each step works on a batch of documents (the worker claims many jobs of a step together) with a fixed number of
 * statements per batch. A document that cannot be read (ParseError, missing file, no text) is failed inside the
 * batch; an unexpected error is thrown after the rest of the batch has committed, and the worker then runs every
 * job of the batch alone (the finished ones are no-ops), so only the document at fault retries.
 */
export const createPipeline = (deps: KnowledgeDeps) => {
  const failRuns = (tx: Tx, ctx: TenantContext, failures: (RunRef & { message: string })[]) => createDocumentsRepo(tx).forTenant(ctx).markFailed(failures);

  /** The batch's documents, per tenant, whose run is current, not failed and not past `step`. */
  const currentDocuments = async (items: StepItem[], step: keyof typeof DONE_AT) => {
    const byTenant = new Map<string, { ctx: TenantContext; runs: Map<string, string> }>();
    for (const { payload, run } of items) {
      const entry = byTenant.get(payload.tenantId) ?? { ctx: run.ctx, runs: new Map<string, string>() };
      entry.runs.set(payload.documentId, payload.runId);
      byTenant.set(payload.tenantId, entry);
    }
    const groups: { ctx: TenantContext; documents: (DocumentRow & { runId: string })[] }[] = [];
    for (const { ctx, runs } of byTenant.values()) {
      const rows = await createDocumentsRepo(deps.db).forTenant(ctx).findManyByIds([...runs.keys()]);
      const documents = rows
        .filter((row) => row.processingRunId === runs.get(row.id) && row.status !== 'failed' && row.progress < DONE_AT[step])
        .map((row) => ({ ...row, runId: row.processingRunId! }));
      if (documents.length > 0) groups.push({ ctx, documents });
    }
    return groups;
  };

  /** Thrown once the batch's other documents are committed: the worker then retries each job of the batch alone. */
  const rethrowFirst = (outcomes: Outcome<unknown>[]) => {
    const failed = outcomes.find((outcome): outcome is { ok: false; error: unknown } => !outcome.ok && 'error' in outcome);
    if (failed) throw failed.error;
  };

  const parseMany = async (items: StepItem[]) => {
    const allOutcomes: Outcome<unknown>[] = [];
    for (const { ctx, documents } of await currentDocuments(items, 'parse')) {
      const repo = createDocumentsRepo(deps.db).forTenant(ctx);
      const startedAt = new Date();
      const isQuick = documents.every((doc) => !BINARY_TYPES.has(doc.type as DocumentType)) && documents.reduce((sum, doc) => sum + doc.sizeBytes, 0) <= QUICK_PARSE_BYTES;
      if (!isQuick) await repo.markParsing(documents, startedAt);
      const knowledgeBases = new Map(
        (await createKnowledgeBasesRepo(deps.db).forTenant(ctx).findManyByIds([...new Set(documents.map((doc) => doc.knowledgeBaseId))])).map((kb) => [kb.id, kb]),
      );
      // The parse output is held until its group commits: groups of large originals are committed in parts.
      for (const group of groupsOf(documents, (doc) => doc.sizeBytes, TX_SOURCE_BYTES)) {
        const outcomes = await mapConcurrent(group, STORAGE_CONCURRENCY, (document) =>
          attempt(async () => {
            // A plain Uint8Array copy: pdf.js refuses Buffer instances.
            const bytes = new Uint8Array(await deps.storage.get(document.storageKey));
            const parsed = await parseDocument({ bytes, filename: parserFilename(document), mimeType: document.mimeType });
            const isExtracting = document.options.extractMetadata ?? knowledgeBases.get(document.knowledgeBaseId)?.settings.extractMetadata !== false;
            return { parsed: JSON.stringify(parsed), pageCount: parsed.metadata.pageCount ?? null, metadata: mergeMetadata(document.metadata, parsed.metadata, isExtracting) };
          }),
        );
        type Parsed = { parsed: string; pageCount: number | null; metadata: DocumentMetadata };
        const parsed = group.flatMap((document, i) => (outcomes[i]!.ok ? [{ ...document, ...(outcomes[i] as { value: Parsed }).value }] : []));
        const failures = group.flatMap((document, i) => {
          const outcome = outcomes[i]!;
          return !outcome.ok && 'message' in outcome ? [{ id: document.id, runId: document.runId, message: outcome.message }] : [];
        });
        await withTx(deps.db, async (tx) => {
          const repo = createDocumentsRepo(tx).forTenant(ctx);
          // The guarded update locks the rows whose run is current: only those get their parse output (a document
          // deleted or reprocessed meanwhile matches nothing).
          const updated = await repo.markParsed(parsed, startedAt);
          const isUpdated = new Set(updated);
          await repo.saveParses(parsed.filter((document) => isUpdated.has(document.id)));
          await enqueueSteps(tx, JOB.chunk, ctx, parsed, updated);
          await failRuns(tx, ctx, failures);
          // A document whose parse threw (retried alone, below) shows that it has started, as after a slow batch's
          // first write.
          if (isQuick) await repo.markParsing(group.filter((document, i) => !outcomes[i]!.ok && 'error' in outcomes[i]!), startedAt);
        });
        allOutcomes.push(...outcomes);
      }
    }
    rethrowFirst(allOutcomes);
  };

  const enqueueSteps = (tx: Tx, step: (typeof JOB)['chunk' | 'index' | 'summarize'], ctx: TenantContext, documents: RunRef[], ids: string[]) => {
    const isUpdated = new Set(ids);
    return deps.queue.enqueueMany(
      tx,
      step,
      documents
        .filter((document) => isUpdated.has(document.id))
        .map((document) => ({ payload: { tenantId: ctx.tenantId, documentId: document.id, runId: document.runId }, dedupeKey: `${document.id}:${document.runId}` })),
    );
  };

  const chunkMany = async (items: StepItem[]) => {
    const allOutcomes: Outcome<unknown>[] = [];
    for (const { ctx, documents } of await currentDocuments(items, 'chunk')) {
      const knowledgeBases = new Map(
        (await createKnowledgeBasesRepo(deps.db).forTenant(ctx).findManyByIds([...new Set(documents.map((doc) => doc.knowledgeBaseId))])).map((kb) => [kb.id, kb]),
      );
      for (const group of groupsOf(documents.filter((doc) => knowledgeBases.has(doc.knowledgeBaseId)), (doc) => doc.sizeBytes, TX_SOURCE_BYTES)) {
        const parses = await createDocumentsRepo(deps.db).forTenant(ctx).findParses(group.map((document) => document.id));
        const outcomes = await mapConcurrent(group, STORAGE_CONCURRENCY, (document) =>
          attempt(async () => {
            const knowledgeBase = knowledgeBases.get(document.knowledgeBaseId)!;
            // Documents parsed before migration 0012 have their parse output in file storage.
            const text = parses.get(document.id) ?? (await deps.storage.get(parsedKey(document.storageKey))).toString('utf8');
            const parsed = JSON.parse(text) as ParsedDocument;
            const chunkSize = document.options.chunkSize ?? knowledgeBase.chunkSize;
            const chunkOverlap = Math.min(document.options.chunkOverlap ?? knowledgeBase.chunkOverlap, Math.floor(chunkSize / 2));
            const pieces = chunkDocument(parsed, { chunkSize, chunkOverlap });
            if (pieces.length === 0) throw new ParseError('no_text', 'The document has no text to index.');
            return pieces;
          }),
        );
        allOutcomes.push(...outcomes);
        const chunked = group.flatMap((document, i) => (outcomes[i]!.ok ? [{ ...document, pieces: (outcomes[i] as { value: NewChunk[] }).value }] : []));
        const failures = group.flatMap((document, i) => {
          const outcome = outcomes[i]!;
          return !outcome.ok && 'message' in outcome ? [{ id: document.id, runId: document.runId, knowledgeBaseId: document.knowledgeBaseId, message: outcome.message }] : [];
        });
        await withTx(deps.db, async (tx) => {
          const locked = new Set(await createKnowledgeBasesRepo(tx).forTenant(ctx).keyShareLockMany([...new Set(group.map((doc) => doc.knowledgeBaseId))]));
          const repo = createDocumentsRepo(tx).forTenant(ctx);
          const inLocked = chunked.filter((document) => locked.has(document.knowledgeBaseId));
          // The guarded update comes first: it locks the rows, so a concurrent reprocess waits or wins outright.
          const updated = await repo.markChunked(inLocked.map((document) => ({ ...document, chunkCount: document.pieces.length })));
          const isUpdated = new Set(updated);
          const rows = inLocked
            .filter((document) => isUpdated.has(document.id))
            .flatMap((document) => document.pieces.map((piece) => ({ ...piece, id: newId(), documentId: document.id, knowledgeBaseId: document.knowledgeBaseId })));
          await repo.replaceChunksMany(rows, updated);
          await enqueueSteps(tx, JOB.index, ctx, inLocked, updated);
          await failRuns(tx, ctx, failures.filter((failure) => locked.has(failure.knowledgeBaseId)));
        });
      }
    }
    rethrowFirst(allOutcomes);
  };

  const indexMany = async (items: StepItem[]) => {
    for (const { ctx, documents } of await currentDocuments(items, 'index')) {
      for (const group of groupsOf(documents, (doc) => doc.chunkCount, INDEX_TX_CHUNKS)) {
        await withTx(deps.db, async (tx) => {
          const knowledgeBases = createKnowledgeBasesRepo(tx).forTenant(ctx);
          const locked = new Set(await knowledgeBases.keyShareLockMany([...new Set(group.map((doc) => doc.knowledgeBaseId))]));
          const inLocked = group.filter((document) => locked.has(document.knowledgeBaseId));
          const now = Date.now();
          const updated = await createDocumentsRepo(tx).forTenant(ctx).markProcessed(
            inLocked.map((document) => ({ ...document, processingMs: Math.max(0, now - (document.processingStartedAt?.getTime() ?? now)) })),
          );
          if (updated.length === 0) return;
          await deps.indexer().indexDocuments(tx, ctx, updated);
          const isUpdated = new Set(updated);
          await knowledgeBases.touchIndexedMany([...new Set(inLocked.filter((doc) => isUpdated.has(doc.id)).map((doc) => doc.knowledgeBaseId))]);
          await enqueueSteps(tx, JOB.summarize, ctx, inLocked.filter((document) => document.options.generateSummary), updated);
        });
      }
    }
  };

  /** The single-job form (the worker's fallback): on the last attempt an unexpected error fails the document too. */
  const single = (step: (items: StepItem[]) => Promise<void>) => async (payload: StepPayload, run: StepRun) => {
    try {
      await step([{ payload, run }]);
    } catch (error) {
      if (run.isLastAttempt) {
        await withTx(deps.db, (tx) =>
          failRuns(tx, run.ctx, [{ id: payload.documentId, runId: payload.runId, message: `Processing failed: ${(error as Error).message}` }]),
        );
      }
      throw error;
    }
  };

  return {
    parse: single(parseMany),
    chunk: single(chunkMany),
    index: single(indexMany),
    parseMany,
    chunkMany,
    indexMany,
  };
};
