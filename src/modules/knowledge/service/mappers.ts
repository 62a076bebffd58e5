import type { DocumentRow } from '../documents.repo.js';
import type { KnowledgeBaseWithCounts } from '../knowledge-bases.repo.js';
import type { TDocument, TKnowledgeBase } from '../knowledge.schemas.js';

export const toKnowledgeBase = (row: KnowledgeBaseWithCounts): TKnowledgeBase => ({
  id: row.id,
  name: row.name,
  description: row.description,
  chunkSize: row.chunkSize,
  chunkOverlap: row.chunkOverlap,
  settings: { extractMetadata: row.settings.extractMetadata !== false },
  documentCount: row.documentCount,
  chunkCount: row.chunkCount,
  lastIndexedAt: row.lastIndexedAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const toDocument = (row: DocumentRow): TDocument => ({
  id: row.id,
  knowledgeBaseId: row.knowledgeBaseId,
  name: row.name,
  type: row.type as TDocument['type'],
  mimeType: row.mimeType,
  sizeBytes: row.sizeBytes,
  contentHash: row.contentHash,
  sourceUrl: row.sourceUrl,
  status: row.status,
  progress: row.progress,
  errorMessage: row.errorMessage,
  pageCount: row.pageCount,
  chunkCount: row.chunkCount,
  processingMs: row.processingMs,
  metadata: row.metadata,
  options: row.options,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});
