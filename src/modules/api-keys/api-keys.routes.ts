import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import { ZApiKey, ZApiKeyId, ZApiKeyPage, ZCreateApiKeyBody, ZCreatedApiKey, ZListApiKeysQuery } from './api-keys.schemas.js';
import type { ApiKeysService } from './api-keys.service.js';

const tags = ['api-keys'];

export const apiKeysRoutes =
  (service: ApiKeysService): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/api-keys', {
      schema: { operationId: 'createApiKey', tags, summary: 'Create an API key (the secret is shown once)', body: ZCreateApiKeyBody, response: withErrors({ 201: zEnvelope(ZCreatedApiKey) }) },
      config: { permission: 'api-keys:write' },
    }, async (req, reply) => reply.status(201).send(envelope(req, await service.issue(tenantCtx(req), req.body))));

    app.get('/api-keys', {
      schema: { operationId: 'listApiKeys', tags, summary: 'List API keys (masked)', querystring: ZListApiKeysQuery, response: withErrors({ 200: zEnvelope(ZApiKeyPage) }) },
      config: { permission: 'api-keys:read' },
    }, async (req) => envelope(req, await service.list(tenantCtx(req), req.query)));

    app.get('/api-keys/:id', {
      schema: { operationId: 'getApiKey', tags, summary: 'Get an API key (masked)', params: ZApiKeyId, response: withErrors({ 200: zEnvelope(ZApiKey) }) },
      config: { permission: 'api-keys:read' },
    }, async (req) => envelope(req, await service.get(tenantCtx(req), req.params.id)));

    app.delete('/api-keys/:id', {
      schema: { operationId: 'revokeApiKey', tags, summary: 'Revoke an API key, effective immediately', params: ZApiKeyId, response: withErrors({ 200: zEnvelope(ZApiKey) }) },
      config: { permission: 'api-keys:delete' },
    }, async (req) => envelope(req, await service.revoke(tenantCtx(req), req.params.id)));
  };
