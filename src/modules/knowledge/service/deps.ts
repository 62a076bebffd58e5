import type { TenantContext } from '../../../app/context.js';
import type { OutboundHttp } from '../../../adapters/http/port.js';
import type { LlmConnection, LlmPort } from '../../../adapters/llm/port.js';
import type { ObjectStorage } from '../../../adapters/storage/port.js';
import type { Db, Tx } from '../../../db/client.js';
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
  };
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
