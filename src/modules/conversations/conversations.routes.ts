import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import { ZPageQuery } from '../../lib/pagination.js';
import {
  ZClearedHistory,
  ZCloseBody,
  ZConversation,
  ZConversationId,
  ZConversationPage,
  ZConversationWithMessages,
  ZCreateSessionBody,
  ZListConversationsQuery,
  ZMessagePage,
  ZSendMessageBody,
  ZTurnReply,
  ZUpdateConversationBody,
} from './conversations.schemas.js';
import type { ConversationsService } from './conversations.service.js';

const sessionTags = ['sessions'];
const tags = ['conversations'];

export const conversationsRoutes =
  (service: ConversationsService): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/sessions', {
      schema: { operationId: 'createSession', tags: sessionTags, summary: 'Open a chat session with a published agent', body: ZCreateSessionBody, response: withErrors({ 201: zEnvelope(ZConversation) }) },
      config: { permission: 'conversations:write' },
    }, async (req, reply) => reply.status(201).send(envelope(req, await service.createSession(tenantCtx(req), req.body))));

    app.get('/sessions', {
      schema: { operationId: 'listSessions', tags: sessionTags, summary: 'List sessions (same filters as conversations)', querystring: ZListConversationsQuery, response: withErrors({ 200: zEnvelope(ZConversationPage) }) },
      config: { permission: 'conversations:read' },
    }, async (req) => envelope(req, await service.list(tenantCtx(req), req.query)));

    app.get('/sessions/:id', {
      schema: { operationId: 'getSession', tags: sessionTags, summary: 'Get a session', params: ZConversationId, response: withErrors({ 200: zEnvelope(ZConversation) }) },
      config: { permission: 'conversations:read' },
    }, async (req) => envelope(req, await service.get(tenantCtx(req), req.params.id)));

    app.get('/sessions/:id/messages', {
      schema: { operationId: 'listSessionMessages', tags: sessionTags, summary: 'A session\'s messages, oldest first', params: ZConversationId, querystring: ZPageQuery, response: withErrors({ 200: zEnvelope(ZMessagePage) }) },
      config: { permission: 'conversations:read' },
    }, async (req) => envelope(req, await service.messages(tenantCtx(req), req.params.id, req.query)));

    app.post('/sessions/:id/end', {
      schema: { operationId: 'endSession', tags: sessionTags, summary: 'End a session (closes its conversation)', params: ZConversationId, body: ZCloseBody.nullish(), response: withErrors({ 200: zEnvelope(ZConversation) }) },
      config: { permission: 'conversations:write' },
    }, async (req) => envelope(req, await service.close(tenantCtx(req), req.params.id, { reason: 'ended', ...req.body })));

    app.delete('/sessions/:id/messages', {
      schema: { operationId: 'clearSessionHistory', tags: sessionTags, summary: 'Delete a session\'s messages (the agent forgets the history)', params: ZConversationId, response: withErrors({ 200: zEnvelope(ZClearedHistory) }) },
      config: { permission: 'conversations:delete' },
    }, async (req) => envelope(req, await service.clearHistory(tenantCtx(req), req.params.id)));

    app.get('/conversations', {
      schema: { operationId: 'listConversations', tags, summary: 'List conversations: status, agent, channel, priority, message text, date range', querystring: ZListConversationsQuery, response: withErrors({ 200: zEnvelope(ZConversationPage) }) },
      config: { permission: 'conversations:read' },
    }, async (req) => envelope(req, await service.list(tenantCtx(req), req.query)));

    app.get('/conversations/:id', {
      schema: { operationId: 'getConversation', tags, summary: 'Get a conversation with its latest messages', params: ZConversationId, response: withErrors({ 200: zEnvelope(ZConversationWithMessages) }) },
      config: { permission: 'conversations:read' },
    }, async (req) => envelope(req, await service.getWithMessages(tenantCtx(req), req.params.id)));

    app.post('/conversations/:id/messages', {
      schema: { operationId: 'sendConversationMessage', tags, summary: 'Send a customer message; the agent\'s answer comes back', params: ZConversationId, body: ZSendMessageBody, response: withErrors({ 200: zEnvelope(ZTurnReply) }) },
      config: { permission: 'conversations:write', rateLimitCategory: 'ai' },
    }, async (req) => envelope(req, await service.sendMessage(tenantCtx(req), req.params.id, req.body.message)));

    app.post('/conversations/:id/close', {
      schema: { operationId: 'closeConversation', tags, summary: 'Close a conversation with a reason, summary and rating', params: ZConversationId, body: ZCloseBody, response: withErrors({ 200: zEnvelope(ZConversation) }) },
      config: { permission: 'conversations:write' },
    }, async (req) => envelope(req, await service.close(tenantCtx(req), req.params.id, req.body)));

    app.patch('/conversations/:id', {
      schema: { operationId: 'updateConversation', tags, summary: 'Change a conversation\'s status or priority', params: ZConversationId, body: ZUpdateConversationBody, response: withErrors({ 200: zEnvelope(ZConversation) }) },
      config: { permission: 'conversations:write' },
    }, async (req) => envelope(req, await service.update(tenantCtx(req), req.params.id, req.body)));
  };
