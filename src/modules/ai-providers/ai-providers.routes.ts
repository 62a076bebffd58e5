import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import {
  ZAiProvider,
  ZAiProviderCheck,
  ZAiProviderId,
  ZAiProviderPage,
  ZCreateAiProviderBody,
  ZListAiProvidersQuery,
  ZUpdateAiProviderBody,
} from './ai-providers.schemas.js';
import type { AiProvidersService } from './ai-providers.service.js';

const tags = ['ai-providers'];

export const aiProvidersRoutes =
  (service: AiProvidersService): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/ai-providers', {
      schema: { operationId: 'createAiProvider', tags, summary: 'Store an LLM provider credential (encrypted)', body: ZCreateAiProviderBody, response: withErrors({ 201: zEnvelope(ZAiProvider) }) },
      config: { permission: 'ai-providers:write' },
    }, async (req, reply) => reply.status(201).send(envelope(req, await service.create(tenantCtx(req), req.body))));

    app.get('/ai-providers', {
      schema: { operationId: 'listAiProviders', tags, summary: 'List LLM provider credentials', querystring: ZListAiProvidersQuery, response: withErrors({ 200: zEnvelope(ZAiProviderPage) }) },
      config: { permission: 'ai-providers:read' },
    }, async (req) => envelope(req, await service.list(tenantCtx(req), req.query)));

    app.get('/ai-providers/:id', {
      schema: { operationId: 'getAiProvider', tags, summary: 'Get an LLM provider credential (key masked)', params: ZAiProviderId, response: withErrors({ 200: zEnvelope(ZAiProvider) }) },
      config: { permission: 'ai-providers:read' },
    }, async (req) => envelope(req, await service.get(tenantCtx(req), req.params.id)));

    app.patch('/ai-providers/:id', {
      schema: { operationId: 'updateAiProvider', tags, summary: 'Update an LLM provider credential', params: ZAiProviderId, body: ZUpdateAiProviderBody, response: withErrors({ 200: zEnvelope(ZAiProvider) }) },
      config: { permission: 'ai-providers:write' },
    }, async (req) => envelope(req, await service.update(tenantCtx(req), req.params.id, req.body)));

    app.delete('/ai-providers/:id', {
      schema: { operationId: 'deleteAiProvider', tags, summary: 'Delete an LLM provider credential; agents using it fall back to extractive answers', params: ZAiProviderId, response: withErrors({ 204: z.null() }) },
      config: { permission: 'ai-providers:delete' },
    }, async (req, reply) => {
      await service.remove(tenantCtx(req), req.params.id);
      return reply.status(204).send(null);
    });

    app.post('/ai-providers/:id/test', {
      schema: { operationId: 'testAiProvider', tags, summary: 'Check a stored credential against its provider', params: ZAiProviderId, response: withErrors({ 200: zEnvelope(ZAiProviderCheck) }) },
      config: { permission: 'ai-providers:write', rateLimitCategory: 'ai' },
    }, async (req) => envelope(req, await service.test(tenantCtx(req), req.params.id)));
  };
