import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { envelope, withErrors, zEnvelope, ZErrorEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import type { KnowledgeService } from './knowledge.service.js';
import {
  ZBatchDeleteBody,
  ZBatchDeleteResult,
  ZBatchFromUrlsBody,
  ZBatchFromUrlsResult,
  ZBatchUploadResult,
  ZCreateDocumentFromUrlBody,
  ZDocument,
  ZDocumentPage,
  ZId,
  ZListDocumentsQuery,
  ZReprocessBody,
  ZReprocessResult,
} from './knowledge.schemas.js';
import { readBatchUploadForm, readUploadForm, UPLOAD_BATCH_TOTAL_FACTOR } from './upload-form.js';

const tags = ['knowledge'];

/** The answers specific to accepting a document, next to the common ones. */
const withIngestErrors = <T extends Record<number, z.ZodType>>(success: T) => ({
  ...withErrors(success),
  413: ZErrorEnvelope,
  415: ZErrorEnvelope,
  422: ZErrorEnvelope,
  502: ZErrorEnvelope,
});

/** `filename*` (RFC 6266/5987) carries any name; the plain `filename` is an ASCII fallback for old clients. */
const contentDisposition = (name: string) =>
  `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;

export const documentsRoutes =
  (service: KnowledgeService['documents'], options: { uploadLimitBytes: number }): FastifyPluginAsyncZod =>
  async (app) => {
    // Registered here, not app-wide: only the upload route accepts multipart bodies.
    await app.register(multipart);

    app.post('/documents', {
      schema: {
        operationId: 'uploadDocument', tags, summary: 'Upload a document (multipart/form-data)',
        description: 'Form fields: `knowledgeBaseId` (uuid), optional `name`, and one `file` part: PDF, DOCX, XLSX, CSV, JSON, ' +
          'HTML, Markdown or TXT. The type is checked from the content and the file name together: unknown types get 415, ' +
          'content that contradicts its name 422, files over UPLOAD_LIMIT_BYTES 413, and content already in the ' +
          'knowledge base 409 naming the existing document. Processing continues in the background (status, progress).',
        consumes: ['multipart/form-data'],
        response: withIngestErrors({ 201: zEnvelope(ZDocument) }),
      },
      config: { permission: 'knowledge:write', rateLimitCategory: 'upload' },
    }, async (req, reply) => {
      const form = await readUploadForm(req, options.uploadLimitBytes);
      return reply.status(201).send(envelope(req, await service.upload(tenantCtx(req), form)));
    });

    app.post('/documents/batch', {
      schema: {
        operationId: 'uploadDocuments', tags, summary: 'Upload up to 100 documents at once (multipart/form-data)',
        description: `Form fields: \`knowledgeBaseId\` (uuid) and 1 to 100 \`file\` parts, each within UPLOAD_LIMIT_BYTES and all ` +
          `together within ${UPLOAD_BATCH_TOTAL_FACTOR} times it (413 otherwise). Each file is checked as by \`POST /documents\`; ` +
          'files that fail (unsupported type, content that contradicts its name, content already in the knowledge base or ' +
          'earlier in this upload) are listed in `skipped` with the code a single upload would get, and the others are stored. ' +
          'Processing continues in the background, in batches.',
        consumes: ['multipart/form-data'],
        response: withIngestErrors({ 201: zEnvelope(ZBatchUploadResult) }),
      },
      config: { permission: 'knowledge:write', rateLimitCategory: 'upload' },
    }, async (req, reply) => {
      const form = await readBatchUploadForm(req, options.uploadLimitBytes);
      return reply.status(201).send(envelope(req, await service.uploadMany(tenantCtx(req), form)));
    });

    app.post('/documents/from-url', {
      schema: {
        operationId: 'createDocumentFromUrl', tags, summary: 'Add a document fetched from a URL',
        description: 'Fetched at once through the outbound guard: private or internal addresses get 422, a failing remote 502.',
        body: ZCreateDocumentFromUrlBody, response: withIngestErrors({ 201: zEnvelope(ZDocument) }),
      },
      config: { permission: 'knowledge:write', rateLimitCategory: 'upload' },
    }, async (req, reply) => reply.status(201).send(envelope(req, await service.createFromUrl(tenantCtx(req), req.body))));

    app.post('/documents/batch-from-urls', {
      schema: {
        operationId: 'createDocumentsFromUrls', tags, summary: 'Add up to 100 documents from URLs, each fetched by its own job',
        body: ZBatchFromUrlsBody, response: withErrors({ 202: zEnvelope(ZBatchFromUrlsResult) }),
      },
      config: { permission: 'knowledge:write', rateLimitCategory: 'upload' },
    }, async (req, reply) => reply.status(202).send(envelope(req, await service.batchFromUrls(tenantCtx(req), req.body))));

    app.get('/documents', {
      schema: { operationId: 'listDocuments', tags, summary: 'List documents (filter by knowledge base, type, status; search name or content)', querystring: ZListDocumentsQuery, response: withErrors({ 200: zEnvelope(ZDocumentPage) }) },
      config: { permission: 'knowledge:read' },
    }, async (req) => envelope(req, await service.list(tenantCtx(req), req.query)));

    app.get('/documents/:id', {
      schema: { operationId: 'getDocument', tags, summary: 'Get a document: status, progress, pages, chunks, timing, metadata', params: ZId, response: withErrors({ 200: zEnvelope(ZDocument) }) },
      config: { permission: 'knowledge:read' },
    }, async (req) => envelope(req, await service.get(tenantCtx(req), req.params.id)));

    app.get('/documents/:id/download', {
      schema: {
        operationId: 'downloadDocument', tags, summary: 'Download the original file', params: ZId,
        produces: ['application/octet-stream'],
        response: withErrors({ 200: z.any().meta({ format: 'binary', description: 'The original bytes' }) }),
      },
      config: { permission: 'knowledge:read' },
    }, async (req, reply) => {
      const { document, bytes } = await service.download(tenantCtx(req), req.params.id);
      return reply
        .header('content-type', document.mimeType)
        .header('content-disposition', contentDisposition(document.name))
        .header('x-content-type-options', 'nosniff')
        .send(bytes);
    });

    app.post('/documents/:id/reprocess', {
      schema: {
        operationId: 'reprocessDocument', tags, summary: 'Parse, chunk and index the document again, optionally with new options',
        description: '`generateSummary` asks the tenant\'s oldest AI provider with a default model for a summary (stored in `metadata.summary` once processed); with no such provider it is ignored and the response says so in `warnings`.',
        params: ZId, body: ZReprocessBody, response: withErrors({ 202: zEnvelope(ZReprocessResult) }),
      },
      config: { permission: 'knowledge:write' },
    }, async (req, reply) => reply.status(202).send(envelope(req, await service.reprocess(tenantCtx(req), req.params.id, req.body))));

    app.delete('/documents/:id', {
      schema: { operationId: 'deleteDocument', tags, summary: 'Delete a document with its chunks, vectors and file', params: ZId, response: withErrors({ 204: z.null() }) },
      config: { permission: 'knowledge:delete' },
    }, async (req, reply) => {
      await service.remove(tenantCtx(req), req.params.id);
      return reply.status(204).send(null);
    });

    app.post('/documents/batch-delete', {
      schema: { operationId: 'deleteDocuments', tags, summary: 'Delete up to 100 documents', body: ZBatchDeleteBody, response: withErrors({ 200: zEnvelope(ZBatchDeleteResult) }) },
      config: { permission: 'knowledge:delete' },
    }, async (req) => envelope(req, await service.removeMany(tenantCtx(req), req.body.ids)));
  };
