import type { TenantContext } from '../../../app/context.js';
import { StorageNotFoundError } from '../../../adapters/storage/port.js';
import { withTx } from '../../../db/tx.js';
import { newId } from '../../../lib/ids.js';
import type { DocumentMetadata } from '../../../db/tables/knowledge.js';
import { chunkDocument } from '../../ingestion/chunker.js';
import { claimedDocumentType } from '../../ingestion/parsers/detect-type.js';
import { ParseError, parseDocument, type DocumentType, type ParsedDocument } from '../../ingestion/parsers/index.js';
import { createDocumentsRepo, type DocumentRow } from '../documents.repo.js';
import { createKnowledgeBasesRepo } from '../knowledge-bases.repo.js';
import { JOB, parsedKey, type KnowledgeDeps } from './deps.js';
import { enqueueStep } from './start-processing.js';
import { SUMMARY_KEYS } from './summarize.js';

export type StepPayload = { tenantId: string; documentId: string; runId: string };
export type StepRun = { ctx: TenantContext; isLastAttempt: boolean };

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

/**
 * The ingestion chain, one idempotent step per job: parse (original -> text and sections, stored as JSON), chunk
 * (sections -> chunks, replaced in one transaction), index (the retrieval engine's rows, then `processed`). Every step
 * first checks that its run is still the document's current one; a stale or deleted document makes it a no-op.
 */
export const createPipeline = (deps: KnowledgeDeps) => {
  const documentsOf = (ctx: StepRun['ctx']) => createDocumentsRepo(deps.db).forTenant(ctx);

  const fail = async (ctx: StepRun['ctx'], payload: StepPayload, message: string) => {
    await documentsOf(ctx).updateRun(payload.documentId, payload.runId, { status: 'failed', errorMessage: message.slice(0, 2000) });
  };

  /** Loads the document when this run is current, not failed and not past `step`; undefined means "nothing to do". */
  const currentDocument = async (ctx: StepRun['ctx'], payload: StepPayload, step: keyof typeof DONE_AT) => {
    const document = await documentsOf(ctx).findById(payload.documentId);
    if (!document || document.processingRunId !== payload.runId || document.status === 'failed') return undefined;
    if (document.progress >= DONE_AT[step]) return undefined;
    return document;
  };

  /** Unexpected errors retry; on the last attempt the document is failed too, so it never stays "processing". */
  const guard = async (payload: StepPayload, run: StepRun, step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      if (error instanceof ParseError) return fail(run.ctx, payload, `${error.reason}: ${error.message}`);
      if (error instanceof StorageNotFoundError) return fail(run.ctx, payload, 'The stored file of this document is missing; upload it again.');
      if (run.isLastAttempt) await fail(run.ctx, payload, `Processing failed: ${(error as Error).message}`);
      throw error;
    }
  };

  const parse = (payload: StepPayload, run: StepRun) =>
    guard(payload, run, async () => {
      const document = await currentDocument(run.ctx, payload, 'parse');
      if (!document) return;
      await documentsOf(run.ctx).updateRun(document.id, payload.runId, {
        status: 'processing',
        progress: 10,
        processingStartedAt: document.processingStartedAt ?? new Date(),
      });
      // A plain Uint8Array copy: pdf.js refuses Buffer instances.
      const bytes = new Uint8Array(await deps.storage.get(document.storageKey));
      const parsed = await parseDocument({ bytes, filename: parserFilename(document), mimeType: document.mimeType });
      await deps.storage.put(parsedKey(document.storageKey), Buffer.from(JSON.stringify(parsed)), { contentType: 'application/json' });
      const knowledgeBase = await createKnowledgeBasesRepo(deps.db).forTenant(run.ctx).findById(document.knowledgeBaseId);
      const isExtracting = document.options.extractMetadata ?? knowledgeBase?.settings.extractMetadata !== false;
      await withTx(deps.db, async (tx) => {
        const updated = await createDocumentsRepo(tx).forTenant(run.ctx).updateRun(document.id, payload.runId, {
          progress: 40,
          pageCount: parsed.metadata.pageCount ?? null,
          metadata: mergeMetadata(document.metadata, parsed.metadata, isExtracting),
        });
        if (updated) await enqueueStep(deps.queue, tx, JOB.chunk, payload);
      });
    });

  const chunk = (payload: StepPayload, run: StepRun) =>
    guard(payload, run, async () => {
      const document = await currentDocument(run.ctx, payload, 'chunk');
      if (!document) return;
      const knowledgeBase = await createKnowledgeBasesRepo(deps.db).forTenant(run.ctx).findById(document.knowledgeBaseId);
      if (!knowledgeBase) return;
      const parsed = JSON.parse((await deps.storage.get(parsedKey(document.storageKey))).toString('utf8')) as ParsedDocument;
      const chunkSize = document.options.chunkSize ?? knowledgeBase.chunkSize;
      const chunkOverlap = Math.min(document.options.chunkOverlap ?? knowledgeBase.chunkOverlap, Math.floor(chunkSize / 2));
      const pieces = chunkDocument(parsed, { chunkSize, chunkOverlap });
      if (pieces.length === 0) return fail(run.ctx, payload, 'no_text: The document has no text to index.');
      await withTx(deps.db, async (tx) => {
        if (!(await createKnowledgeBasesRepo(tx).forTenant(run.ctx).keyShareLock(document.knowledgeBaseId))) return;
        const repo = createDocumentsRepo(tx).forTenant(run.ctx);
        // The guarded update comes next: it locks the row, so a concurrent reprocess waits or wins outright.
        const updated = await repo.updateRun(document.id, payload.runId, { progress: 70, chunkCount: pieces.length });
        if (!updated) return;
        await repo.replaceChunks(document, pieces.map((piece) => ({ ...piece, id: newId() })));
        await enqueueStep(deps.queue, tx, JOB.index, payload);
      });
    });

  const index = (payload: StepPayload, run: StepRun) =>
    guard(payload, run, async () => {
      const document = await currentDocument(run.ctx, payload, 'index');
      if (!document) return;
      await withTx(deps.db, async (tx) => {
        const knowledgeBases = createKnowledgeBasesRepo(tx).forTenant(run.ctx);
        if (!(await knowledgeBases.keyShareLock(document.knowledgeBaseId))) return;
        const startedAt = document.processingStartedAt?.getTime() ?? Date.now();
        const updated = await createDocumentsRepo(tx).forTenant(run.ctx).updateRun(document.id, payload.runId, {
          status: 'processed',
          progress: 100,
          errorMessage: null,
          processingMs: Math.max(0, Date.now() - startedAt),
        });
        if (!updated) return;
        await deps.indexer().indexDocument(tx, run.ctx, document.id);
        await knowledgeBases.touchIndexed(document.knowledgeBaseId);
        if (document.options.generateSummary) await deps.queue.enqueue(tx, JOB.summarize, payload, { dedupeKey: `${document.id}:${payload.runId}` });
      });
    });

  return { parse, chunk, index };
};
