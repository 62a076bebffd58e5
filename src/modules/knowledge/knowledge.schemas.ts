import { z } from 'zod';

import { ZPageQuery, zPage } from '../../lib/pagination.js';

export const DOCUMENT_TYPES = ['pdf', 'docx', 'xlsx', 'csv', 'json', 'html', 'markdown', 'txt'] as const;
export const ZDocumentType = z.enum(DOCUMENT_TYPES);
/** The lifecycle; the same list as the CHECK constraint of documents.status (migration 0003). */
export const ZDocumentStatus = z.enum(['uploaded', 'processing', 'processed', 'failed']);

export const ZId = z.object({ id: z.uuid() });

/** Chunk sizes are in tokens (the chunker's unit); overlap must leave most of each chunk new. */
const ZChunkSize = z.number().int().min(64).max(8192);
const ZChunkOverlap = z.number().int().min(0).max(2048);
const overlapFits = (body: { chunkSize?: number; chunkOverlap?: number }) =>
  body.chunkSize === undefined || body.chunkOverlap === undefined || body.chunkOverlap <= body.chunkSize / 2;
const OVERLAP_MESSAGE = { message: 'chunkOverlap must be at most half of chunkSize', path: ['chunkOverlap'] };

export const ZKnowledgeBaseSettings = z
  .object({
    /** Default for documents of this knowledge base; a reprocess request can override it. */
    extractMetadata: z.boolean().default(true),
  })
  .strict();

export const ZCreateKnowledgeBaseBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(2000).optional(),
    chunkSize: ZChunkSize.default(512),
    chunkOverlap: ZChunkOverlap.default(64),
    settings: ZKnowledgeBaseSettings.default({ extractMetadata: true }),
  })
  .refine(overlapFits, OVERLAP_MESSAGE);
export type TCreateKnowledgeBaseBody = z.infer<typeof ZCreateKnowledgeBaseBody>;

export const ZUpdateKnowledgeBaseBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(2000).nullable(),
    chunkSize: ZChunkSize,
    chunkOverlap: ZChunkOverlap,
    settings: ZKnowledgeBaseSettings,
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'at least one field is required')
  .refine(overlapFits, OVERLAP_MESSAGE);
export type TUpdateKnowledgeBaseBody = z.infer<typeof ZUpdateKnowledgeBaseBody>;

export const ZListKnowledgeBasesQuery = ZPageQuery.extend({ search: z.string().trim().max(100).optional() });
export type TListKnowledgeBasesQuery = z.infer<typeof ZListKnowledgeBasesQuery>;

export const ZKnowledgeBase = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    chunkSize: z.number().int(),
    chunkOverlap: z.number().int(),
    settings: z.object({ extractMetadata: z.boolean() }),
    documentCount: z.number().int(),
    chunkCount: z.number().int(),
    lastIndexedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'KnowledgeBase' });
export type TKnowledgeBase = z.infer<typeof ZKnowledgeBase>;
export const ZKnowledgeBasePage = zPage(ZKnowledgeBase);

export const ZKnowledgeBaseSummary = z
  .object({
    knowledgeBaseId: z.uuid(),
    documents: z.object({
      total: z.number().int(),
      byType: z.record(z.string(), z.number().int()),
      byStatus: z.record(z.string(), z.number().int()),
      totalBytes: z.number().int(),
      pages: z.number().int(),
    }),
    chunks: z.number().int(),
    tokens: z.number().int(),
    lastIndexedAt: z.iso.datetime().nullable(),
    topDocuments: z.array(z.object({ id: z.uuid(), title: z.string(), type: z.string(), chunkCount: z.number().int() })),
  })
  .meta({ id: 'KnowledgeBaseSummary' });
export type TKnowledgeBaseSummary = z.infer<typeof ZKnowledgeBaseSummary>;

export const ZRetrainResult = z.object({ knowledgeBaseId: z.uuid(), queued: z.number().int() }).meta({ id: 'RetrainResult' });

export const ZDocumentMetadata = z
  .object({
    title: z.string().optional(),
    author: z.string().optional(),
    language: z.string().optional(),
    pageCount: z.number().int().optional(),
  })
  .catchall(z.unknown());

export const ZDocumentOptions = z
  .object({
    chunkSize: ZChunkSize.optional(),
    chunkOverlap: ZChunkOverlap.optional(),
    extractMetadata: z.boolean().optional(),
    generateSummary: z.boolean().optional(),
  })
  .strict();
export type TDocumentOptions = z.infer<typeof ZDocumentOptions>;

export const ZDocument = z
  .object({
    id: z.uuid(),
    knowledgeBaseId: z.uuid(),
    name: z.string(),
    type: ZDocumentType,
    mimeType: z.string(),
    sizeBytes: z.number().int(),
    contentHash: z.string(),
    sourceUrl: z.string().nullable(),
    status: ZDocumentStatus,
    progress: z.number().int(),
    errorMessage: z.string().nullable(),
    pageCount: z.number().int().nullable(),
    chunkCount: z.number().int(),
    processingMs: z.number().int().nullable(),
    metadata: ZDocumentMetadata,
    options: ZDocumentOptions,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Document' });
export type TDocument = z.infer<typeof ZDocument>;
export const ZDocumentPage = zPage(ZDocument);

export const ZListDocumentsQuery = ZPageQuery.extend({
  knowledgeBaseId: z.uuid().optional(),
  type: ZDocumentType.optional(),
  status: ZDocumentStatus.optional(),
  /** Matches the document name or the text of its chunks. */
  search: z.string().trim().min(1).max(200).optional(),
});
export type TListDocumentsQuery = z.infer<typeof ZListDocumentsQuery>;

const ZHttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);

export const ZCreateDocumentFromUrlBody = z.object({
  knowledgeBaseId: z.uuid(),
  url: ZHttpUrl,
  name: z.string().trim().min(1).max(255).optional(),
});
export type TCreateDocumentFromUrlBody = z.infer<typeof ZCreateDocumentFromUrlBody>;

export const ZBatchFromUrlsBody = z.object({
  knowledgeBaseId: z.uuid(),
  urls: z.array(ZHttpUrl).min(1).max(100),
});
export type TBatchFromUrlsBody = z.infer<typeof ZBatchFromUrlsBody>;

export const ZBatchFromUrlsResult = z
  .object({ documents: z.array(ZDocument), skipped: z.array(z.object({ url: z.string(), reason: z.string() })) })
  .meta({ id: 'BatchFromUrlsResult' });

export const ZReprocessBody = ZDocumentOptions.refine(overlapFits, OVERLAP_MESSAGE).default({});
export type TReprocessBody = z.infer<typeof ZReprocessBody>;

export const ZReprocessResult = z
  .object({ document: ZDocument, warnings: z.array(z.string()) })
  .meta({ id: 'ReprocessResult' });

export const ZBatchDeleteBody = z.object({ ids: z.array(z.uuid()).min(1).max(100) });
export const ZBatchDeleteResult = z
  .object({ deleted: z.array(z.uuid()), notFound: z.array(z.uuid()) })
  .meta({ id: 'BatchDeleteResult' });

export const ZUploadFields = z.object({
  knowledgeBaseId: z.uuid({ error: 'knowledgeBaseId must be a UUID' }),
  name: z.string().trim().min(1).max(255).optional(),
});

/** Files per multi-file upload (`POST /documents/batch`). */
export const UPLOAD_BATCH_MAX_FILES = 100;

export const ZBatchUploadFields = z.object({ knowledgeBaseId: z.uuid({ error: 'knowledgeBaseId must be a UUID' }) });

export const ZBatchUploadResult = z
  .object({
    documents: z.array(ZDocument),
    /** Files not stored: their type, their content, or content the knowledge base (or this upload) already holds. */
    skipped: z.array(
      z.object({ filename: z.string(), code: z.string(), reason: z.string(), existingDocumentId: z.uuid().optional() }),
    ),
  })
  .meta({ id: 'BatchUploadResult' });
