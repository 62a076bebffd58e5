import type { TenantContext } from '../../../app/context.js';
import type { OutboundHttp } from '../../../adapters/http/port.js';
import type { LlmConnection, LlmPort } from '../../../adapters/llm/port.js';
import type { ObjectStorage } from '../../../adapters/storage/port.js';
import type { Db, Tx } from '../../../db/client.js';
import { AUTOVACUUM_JOB } from '../../../jobs/maintenance.jobs.js';
import type { Queue } from '../../../jobs/queue.js';

/** What the retrieval engine offers ingestion: (re)build its index rows for documents' chunks, many at once. */
export type DocumentIndexer = {
  indexDocuments: (tx: Tx, ctx: Pick<TenantContext, 'tenantId'>, documentIds: string[]) => Promise<unknown>;
};

export type KnowledgeDeps = {
  db: Db;
  /** Only enqueue: the queue is built after the job registry that holds this module's jobs. */
  queue: Pick<Queue, 'enqueue' | 'enqueueMany'>;
  storage: ObjectStorage;
  http: Pick<OutboundHttp, 'fetch'>;
  /** A thunk: the retrieval module is built after this one and enqueues its own embedding jobs. */
  indexer: () => DocumentIndexer;
  /** Document summaries (`generateSummary`): the tenant's default AI provider, and the LLM port to call it. */
  summaries: {
    resolve: (ctx: Pick<TenantContext, 'tenantId'>) => Promise<{ connection: LlmConnection; model: string; providerName: string } | undefined>;
    llm: Pick<LlmPort, 'generateText'>;
  };
  config: {
    uploadLimitBytes: number;
    /** Embedded PGlite: see `requestStatistics`. */
    analyzeAfterBulkInsert: boolean;
  };
};

/**
 * New documents in one write from which statistics are refreshed at once: PostgreSQL's own analyze threshold (50
 * changed rows plus 10 % of the table) is passed by such a write into a small knowledge base.
 */
const BULK_DOCUMENTS = 50;

/**
 * Embedded PGlite has no autovacuum, and its minutely stand-in comes too late for a bulk upload: until statistics
 * exist, the pipeline's batch statements scan the tenant's documents instead of probing their ids (SciFact: the
 * worker's steps took 12.2 s instead of 13.0 s, median of 4 runs each, with statistics first). A bulk write therefore
 * enqueues the stand-in with the documents' jobs, deduplicated, so the worker runs it with the first batch.
 */
export const requestStatistics = async (deps: Pick<KnowledgeDeps, 'queue' | 'config'>, tx: Tx, newDocuments: number) => {
  if (deps.config.analyzeAfterBulkInsert && newDocuments >= BULK_DOCUMENTS) await deps.queue.enqueue(tx, AUTOVACUUM_JOB, {}, { dedupeKey: AUTOVACUUM_JOB });
};

export const JOB = {
  parse: 'knowledge.parse',
  chunk: 'knowledge.chunk',
  index: 'knowledge.index',
  fetchUrl: 'knowledge.fetch-url',
  deleteFiles: 'knowledge.delete-files',
  summarize: 'knowledge.summarize',
} as const;

/** Originals are content-addressed per document, so replacing content never overwrites what a running job reads. */
export const originalKey = (tenantId: string, documentId: string, contentHash: string) =>
  `tenants/${tenantId}/documents/${documentId}/${contentHash}`;

/**
 * Where the parse step's output was stored before migration 0012 (it is now a document_parses row): still read by
 * the chunk step for documents parsed earlier, and deleted with the original.
 */
export const parsedKey = (storageKey: string) => `${storageKey}.parsed.json`;

export const storedKeysOf = (document: { storageKey: string }) => [document.storageKey, parsedKey(document.storageKey)];
