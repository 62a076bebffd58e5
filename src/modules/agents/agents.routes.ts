import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import {
  ZAgent,
  ZAgentConfiguration,
  ZAgentId,
  ZAgentKnowledgeBaseParams,
  ZAgentPage,
  ZAgentPerformance,
  ZAttachKnowledgeBody,
  ZCreateAgentBody,
  ZListAgentsQuery,
  ZPerformanceQuery,
  ZTrainResult,
  ZUpdateAgentBody,
} from './agents.schemas.js';
import type { AgentsService } from './agents.service.js';

const tags = ['agents'];

export const agentsRoutes =
  (service: AgentsService): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/agents', {
      schema: { operationId: 'createAgent', tags, summary: 'Create an agent (DRAFT)', body: ZCreateAgentBody, response: withErrors({ 201: zEnvelope(ZAgent) }) },
      config: { permission: 'agents:write' },
    }, async (req, reply) => reply.status(201).send(envelope(req, await service.create(tenantCtx(req), req.body))));

    app.get('/agents', {
      schema: { operationId: 'listAgents', tags, summary: 'List agents', querystring: ZListAgentsQuery, response: withErrors({ 200: zEnvelope(ZAgentPage) }) },
      config: { permission: 'agents:read' },
    }, async (req) => envelope(req, await service.list(tenantCtx(req), req.query)));

    app.get('/agents/:id', {
      schema: { operationId: 'getAgent', tags, summary: 'Get an agent', params: ZAgentId, response: withErrors({ 200: zEnvelope(ZAgent) }) },
      config: { permission: 'agents:read' },
    }, async (req) => envelope(req, await service.get(tenantCtx(req), req.params.id)));

    app.patch('/agents/:id', {
      schema: { operationId: 'updateAgent', tags, summary: 'Update an agent (nested settings are merged)', params: ZAgentId, body: ZUpdateAgentBody, response: withErrors({ 200: zEnvelope(ZAgent) }) },
      config: { permission: 'agents:write' },
    }, async (req) => envelope(req, await service.update(tenantCtx(req), req.params.id, req.body)));

    app.delete('/agents/:id', {
      schema: { operationId: 'deleteAgent', tags, summary: 'Delete an agent with its conversations', params: ZAgentId, response: withErrors({ 204: z.null() }) },
      config: { permission: 'agents:delete' },
    }, async (req, reply) => {
      await service.remove(tenantCtx(req), req.params.id);
      return reply.status(204).send(null);
    });

    app.post('/agents/:id/publish', {
      schema: { operationId: 'publishAgent', tags, summary: 'Make an agent ACTIVE for channels', params: ZAgentId, response: withErrors({ 200: zEnvelope(ZAgent) }) },
      config: { permission: 'agents:write' },
    }, async (req) => envelope(req, await service.publish(tenantCtx(req), req.params.id)));

    app.post('/agents/:id/unpublish', {
      schema: { operationId: 'unpublishAgent', tags, summary: 'Take an agent back to DRAFT', params: ZAgentId, response: withErrors({ 200: zEnvelope(ZAgent) }) },
      config: { permission: 'agents:write' },
    }, async (req) => envelope(req, await service.unpublish(tenantCtx(req), req.params.id)));

    app.get('/agents/:id/configuration', {
      schema: { operationId: 'getAgentConfiguration', tags, summary: 'What a channel needs to run the agent', params: ZAgentId, response: withErrors({ 200: zEnvelope(ZAgentConfiguration) }) },
      config: { permission: 'agents:read' },
    }, async (req) => envelope(req, await service.configuration(tenantCtx(req), req.params.id)));

    app.post('/agents/:id/knowledge-bases', {
      schema: { operationId: 'attachAgentKnowledgeBases', tags, summary: 'Attach knowledge bases to an agent', params: ZAgentId, body: ZAttachKnowledgeBody, response: withErrors({ 200: zEnvelope(ZAgent) }) },
      config: { permission: 'agents:write' },
    }, async (req) => envelope(req, await service.attachKnowledge(tenantCtx(req), req.params.id, req.body.knowledgeBaseIds)));

    app.delete('/agents/:id/knowledge-bases/:knowledgeBaseId', {
      schema: { operationId: 'detachAgentKnowledgeBase', tags, summary: 'Detach a knowledge base from an agent', params: ZAgentKnowledgeBaseParams, response: withErrors({ 204: z.null() }) },
      config: { permission: 'agents:write' },
    }, async (req, reply) => {
      await service.detachKnowledge(tenantCtx(req), req.params.id, req.params.knowledgeBaseId);
      return reply.status(204).send(null);
    });

    app.post('/agents/:id/train', {
      schema: { operationId: 'trainAgent', tags, summary: 'Re-index the attached knowledge; TRAINING until the jobs finish, then ACTIVE', params: ZAgentId, response: withErrors({ 202: zEnvelope(ZTrainResult) }) },
      config: { permission: 'agents:write' },
    }, async (req, reply) => reply.status(202).send(envelope(req, await service.train(tenantCtx(req), req.params.id))));

    app.get('/agents/:id/performance', {
      schema: { operationId: 'getAgentPerformance', tags, summary: 'Conversations, rating, response time and usage over the last days', params: ZAgentId, querystring: ZPerformanceQuery, response: withErrors({ 200: zEnvelope(ZAgentPerformance) }) },
      config: { permission: 'agents:read', rateLimitCategory: 'analytics' },
    }, async (req) => envelope(req, await service.performance(tenantCtx(req), req.params.id, req.query.days)));
  };
