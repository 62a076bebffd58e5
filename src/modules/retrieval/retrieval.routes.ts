import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import type { RetrievalService } from './retrieval.service.js';
import { ZKnowledgeBaseIdParams, ZRetrievalStats, ZSearchBody, ZSearchResponse } from './retrieval.schemas.js';

const tags = ['retrieval'];

export const retrievalRoutes =
  (service: RetrievalService): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/knowledge-bases/:id/search', {
      schema: {
        operationId: 'searchKnowledgeBase',
        tags,
        summary: 'Search a knowledge base (BM25F lexical, hybrid with vectors when embeddings are configured)',
        params: ZKnowledgeBaseIdParams,
        body: ZSearchBody,
        response: withErrors({ 200: zEnvelope(ZSearchResponse) }),
      },
      config: { permission: 'knowledge:read', rateLimitCategory: 'ai' },
    }, async (req) => envelope(req, await service.searchWithMode(tenantCtx(req), { ...req.body, knowledgeBaseIds: [req.params.id] })));

    app.get('/retrieval/stats', {
      schema: { operationId: 'getRetrievalStats', tags, summary: 'Indexed and embedded chunk counts of the tenant', response: withErrors({ 200: zEnvelope(ZRetrievalStats) }) },
      config: { permission: 'knowledge:read' },
    }, async (req) => envelope(req, await service.stats(tenantCtx(req))));
  };
