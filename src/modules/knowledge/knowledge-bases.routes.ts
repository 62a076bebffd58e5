import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import type { KnowledgeService } from './knowledge.service.js';
import {
  ZCreateKnowledgeBaseBody,
  ZId,
  ZKnowledgeBase,
  ZKnowledgeBasePage,
  ZKnowledgeBaseSummary,
  ZListKnowledgeBasesQuery,
  ZRetrainResult,
  ZUpdateKnowledgeBaseBody,
} from './knowledge.schemas.js';

const tags = ['knowledge'];

export const knowledgeBasesRoutes =
  (service: KnowledgeService['knowledgeBases']): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/knowledge-bases', {
      schema: { operationId: 'createKnowledgeBase', tags, summary: 'Create a knowledge base', body: ZCreateKnowledgeBaseBody, response: withErrors({ 201: zEnvelope(ZKnowledgeBase) }) },
      config: { permission: 'knowledge:write' },
    }, async (req, reply) => reply.status(201).send(envelope(req, await service.create(tenantCtx(req), req.body))));

    app.get('/knowledge-bases', {
      schema: { operationId: 'listKnowledgeBases', tags, summary: 'List knowledge bases', querystring: ZListKnowledgeBasesQuery, response: withErrors({ 200: zEnvelope(ZKnowledgeBasePage) }) },
      config: { permission: 'knowledge:read' },
    }, async (req) => envelope(req, await service.list(tenantCtx(req), req.query)));

    app.get('/knowledge-bases/:id', {
      schema: { operationId: 'getKnowledgeBase', tags, summary: 'Get a knowledge base with document and chunk counts', params: ZId, response: withErrors({ 200: zEnvelope(ZKnowledgeBase) }) },
      config: { permission: 'knowledge:read' },
    }, async (req) => envelope(req, await service.get(tenantCtx(req), req.params.id)));

    app.patch('/knowledge-bases/:id', {
      schema: {
        operationId: 'updateKnowledgeBase', tags, summary: 'Update name, description or chunking settings',
        description: 'New chunking settings apply to documents processed afterwards; call retrain to re-chunk existing ones.',
        params: ZId, body: ZUpdateKnowledgeBaseBody, response: withErrors({ 200: zEnvelope(ZKnowledgeBase) }),
      },
      config: { permission: 'knowledge:write' },
    }, async (req) => envelope(req, await service.update(tenantCtx(req), req.params.id, req.body)));

    app.delete('/knowledge-bases/:id', {
      schema: { operationId: 'deleteKnowledgeBase', tags, summary: 'Delete a knowledge base with its documents, chunks, vectors and files', params: ZId, response: withErrors({ 204: z.null() }) },
      config: { permission: 'knowledge:delete' },
    }, async (req, reply) => {
      await service.remove(tenantCtx(req), req.params.id);
      return reply.status(204).send(null);
    });

    app.post('/knowledge-bases/:id/retrain', {
      schema: { operationId: 'retrainKnowledgeBase', tags, summary: 'Re-index every document of the knowledge base', params: ZId, response: withErrors({ 202: zEnvelope(ZRetrainResult) }) },
      config: { permission: 'knowledge:write' },
    }, async (req, reply) => reply.status(202).send(envelope(req, await service.retrain(tenantCtx(req), req.params.id))));

    app.get('/knowledge-bases/:id/summary', {
      schema: { operationId: 'getKnowledgeBaseSummary', tags, summary: 'What the knowledge base has been trained on', params: ZId, response: withErrors({ 200: zEnvelope(ZKnowledgeBaseSummary) }) },
      config: { permission: 'knowledge:read' },
    }, async (req) => envelope(req, await service.summary(tenantCtx(req), req.params.id)));
  };
