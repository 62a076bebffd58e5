import { bigint, customType, index, integer, pgTable, primaryKey, smallint, text, uuid } from 'drizzle-orm/pg-core';

import { tenantRef, timestamps } from './foundation.js';
import { chunks, documents, knowledgeBases } from './knowledge.js';

/**
 * Tables of the retrieval migration (0004): the BM25F inverted index and the chunk embeddings. Corpus statistics
 * (kb stats, document frequencies) are maintained by triggers in the migration, never written from code.
 */

/** pgvector without a fixed dimension: each model has its own; HNSW indexes are built per dimension on a cast. */
const anyVector = customType<{ data: number[]; driverData: string }>({
  dataType: () => 'vector',
  toDriver: (value) => `[${value.join(',')}]`,
  fromDriver: (value) => JSON.parse(value) as number[],
});

export const retrievalChunks = pgTable(
  'retrieval_chunks',
  {
    chunkId: uuid('chunk_id')
      .primaryKey()
      .references(() => chunks.id, { onDelete: 'cascade' }),
    tenantId: tenantRef(),
    knowledgeBaseId: uuid('knowledge_base_id')
      .notNull()
      .references(() => knowledgeBases.id, { onDelete: 'cascade' }),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    titleLength: integer('title_length').notNull(),
    bodyLength: integer('body_length').notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('retrieval_chunks_document_idx').on(t.documentId), index('retrieval_chunks_tenant_kb_idx').on(t.tenantId, t.knowledgeBaseId)],
);

export const retrievalPostings = pgTable(
  'retrieval_postings',
  {
    knowledgeBaseId: uuid('knowledge_base_id').notNull(),
    term: text('term').notNull(),
    // No foreign key (migration 0010): a statement-level trigger on retrieval_chunks deletes a chunk's postings.
    chunkId: uuid('chunk_id').notNull(),
    tenantId: uuid('tenant_id').notNull(),
    documentId: uuid('document_id').notNull(),
    titleTf: smallint('title_tf').notNull(),
    bodyTf: smallint('body_tf').notNull(),
    titleLength: integer('title_length').notNull(),
    bodyLength: integer('body_length').notNull(),
  },
  // One posting per (knowledge base, term, chunk) is kept by the writer, not by a unique key (migration 0010).
  (t) => [index('retrieval_postings_kb_term_idx').on(t.knowledgeBaseId, t.term), index('retrieval_postings_chunk_idx').on(t.chunkId)],
);

export const retrievalKbStats = pgTable('retrieval_kb_stats', {
  knowledgeBaseId: uuid('knowledge_base_id')
    .primaryKey()
    .references(() => knowledgeBases.id, { onDelete: 'cascade' }),
  tenantId: tenantRef(),
  chunkCount: bigint('chunk_count', { mode: 'number' }).notNull().default(0),
  titleLengthSum: bigint('title_length_sum', { mode: 'number' }).notNull().default(0),
  bodyLengthSum: bigint('body_length_sum', { mode: 'number' }).notNull().default(0),
  version: bigint('version', { mode: 'number' }).notNull().default(0),
  updatedAt: timestamps.updatedAt,
});

export const retrievalTermStats = pgTable(
  'retrieval_term_stats',
  {
    knowledgeBaseId: uuid('knowledge_base_id')
      .notNull()
      .references(() => knowledgeBases.id, { onDelete: 'cascade' }),
    term: text('term').notNull(),
    df: integer('df').notNull(),
  },
  (t) => [primaryKey({ columns: [t.knowledgeBaseId, t.term] })],
);

export const retrievalEmbeddings = pgTable(
  'retrieval_embeddings',
  {
    chunkId: uuid('chunk_id')
      .primaryKey()
      .references(() => chunks.id, { onDelete: 'cascade' }),
    tenantId: tenantRef(),
    knowledgeBaseId: uuid('knowledge_base_id')
      .notNull()
      .references(() => knowledgeBases.id, { onDelete: 'cascade' }),
    model: text('model').notNull(),
    dimensions: integer('dimensions').notNull(),
    embedding: anyVector('embedding').notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('retrieval_embeddings_tenant_kb_idx').on(t.tenantId, t.knowledgeBaseId, t.model)],
);

export const retrievalTables = { retrievalChunks, retrievalPostings, retrievalKbStats, retrievalTermStats, retrievalEmbeddings };
