import type { Logger } from 'pino';

import type { EmbeddingProvider } from '../../../adapters/embeddings/port.js';
import type { Db } from '../../../db/client.js';
import type { Queue } from '../../../jobs/queue.js';
import type { createSearchCache } from '../search-cache.js';

export type RetrievalDeps = {
  db: Db;
  /** A thunk: the queue is built after the job registry that holds this module's jobs. */
  queue: () => Pick<Queue, 'enqueue' | 'enqueueMany'>;
  /** Absent when no provider is configured: search is lexical only and nothing is embedded. */
  embeddings?: EmbeddingProvider;
  logger: Logger;
  config: { embeddingBatchSize: number; queryEmbeddingTimeoutMs: number; cache: { maxEntries: number; ttlMs: number } };
};

export type SearchCache = ReturnType<typeof createSearchCache>;

export const JOB = { embed: 'retrieval.embed', reembedStale: 'retrieval.reembed-stale' } as const;

/** What is embedded for a chunk: its place in the document, then its text. */
export const embeddingText = (chunk: { title: string; headings: string[]; content: string }) =>
  [chunk.title, chunk.headings.join(' > '), chunk.content].filter(Boolean).join('\n\n');
