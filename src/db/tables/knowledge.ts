import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

import { tenantRef, timestamps } from './foundation.js';

/** Tables of the knowledge migration (0003): knowledge bases, their documents and the chunks retrieval searches. */

export const knowledgeBases = pgTable(
  'knowledge_bases',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    name: text('name').notNull(),
    description: text('description'),
    chunkSize: integer('chunk_size').notNull().default(512),
    chunkOverlap: integer('chunk_overlap').notNull().default(64),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    lastIndexedAt: timestamp('last_indexed_at', { withTimezone: true, mode: 'date' }),
    ...timestamps,
  },
  (t) => [index('knowledge_bases_tenant_idx').on(t.tenantId, t.createdAt)],
);

export const DOCUMENT_STATUSES = ['uploaded', 'processing', 'processed', 'failed'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export type DocumentMetadata = {
  title?: string;
  author?: string;
  language?: string;
  pageCount?: number;
  [key: string]: unknown;
};

export type DocumentOptions = {
  chunkSize?: number;
  chunkOverlap?: number;
  extractMetadata?: boolean;
  generateSummary?: boolean;
};

export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    knowledgeBaseId: uuid('knowledge_base_id')
      .notNull()
      .references(() => knowledgeBases.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: text('type').notNull(),
    mimeType: text('mime_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    contentHash: text('content_hash').notNull(),
    storageKey: text('storage_key').notNull(),
    sourceUrl: text('source_url'),
    status: text('status', { enum: DOCUMENT_STATUSES }).notNull().default('uploaded'),
    progress: integer('progress').notNull().default(0),
    errorMessage: text('error_message'),
    pageCount: integer('page_count'),
    chunkCount: integer('chunk_count').notNull().default(0),
    processingMs: integer('processing_ms'),
    processingRunId: uuid('processing_run_id'),
    processingStartedAt: timestamp('processing_started_at', { withTimezone: true, mode: 'date' }),
    metadata: jsonb('metadata').$type<DocumentMetadata>().notNull().default({}),
    options: jsonb('options').$type<DocumentOptions>().notNull().default({}),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('documents_kb_content_hash_uq').on(t.knowledgeBaseId, t.contentHash),
    index('documents_tenant_idx').on(t.tenantId, t.createdAt),
    index('documents_source_url_idx').on(t.knowledgeBaseId, t.sourceUrl).where(sql`source_url IS NOT NULL`),
  ],
);

export const chunks = pgTable(
  'chunks',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    knowledgeBaseId: uuid('knowledge_base_id')
      .notNull()
      .references(() => knowledgeBases.id, { onDelete: 'cascade' }),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    ordinal: integer('ordinal').notNull(),
    content: text('content').notNull(),
    headings: text('headings').array().notNull().default(sql`'{}'::text[]`),
    tokenCount: integer('token_count').notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamps.createdAt,
  },
  (t) => [
    index('chunks_tenant_kb_idx').on(t.tenantId, t.knowledgeBaseId),
    uniqueIndex('chunks_document_ordinal_uq').on(t.documentId, t.ordinal),
  ],
);

/** The parse step's output per document (migration 0012): the ParsedDocument as JSON text, read by the chunk step. */
export const documentParses = pgTable('document_parses', {
  documentId: uuid('document_id')
    .primaryKey()
    .references(() => documents.id, { onDelete: 'cascade' }),
  tenantId: uuid('tenant_id').notNull(),
  parsed: text('parsed').notNull(),
  createdAt: timestamps.createdAt,
});

export const knowledgeTables = { knowledgeBases, documents, chunks, documentParses };
