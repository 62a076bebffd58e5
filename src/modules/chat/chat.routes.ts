import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import { ZAgentId } from '../agents/agents.schemas.js';
import type { ChatEvent } from './chat.events.js';
import { ZAgentIdParams, ZAgentTestBody, ZAgentTestResult, ZChatStreamBody, ZChatStreamEvents } from './chat.schemas.js';
import type { ChatService } from './chat.service.js';

const sseFrame = (event: ChatEvent): string => {
  const { type, ...data } = event;
  return `event: ${type}\ndata: ${JSON.stringify(type === 'done' ? event.result : data)}\n\n`;
};

export const chatRoutes =
  (service: ChatService): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/agents/:id/test', {
      schema: { operationId: 'testAgent', tags: ['agents'], summary: 'Ask an agent a question without storing a conversation', params: ZAgentId, body: ZAgentTestBody, response: withErrors({ 200: zEnvelope(ZAgentTestResult) }) },
      config: { permission: 'agents:write', rateLimitCategory: 'ai' },
    }, async (req) => envelope(req, await service.testAgent(tenantCtx(req), req.params.id, req.body.message)));

    app.post('/chat/agents/:agentId/stream', {
      schema: { operationId: 'streamChat', tags: ['chat'], summary: 'Send a customer message; the answer streams back as server-sent events', params: ZAgentIdParams, body: ZChatStreamBody, response: withErrors({ 200: ZChatStreamEvents }) },
      config: { permission: 'conversations:write', rateLimitCategory: 'ai' },
    }, async (req, reply) => {
      const controller = new AbortController();
      // 404/409 and validation errors are answered as JSON: nothing has been streamed yet.
      const events = await service.startStream(tenantCtx(req), req.params.agentId, req.body, controller.signal);
      const res = reply.raw;
      // A client that goes away aborts the turn, and with it the upstream LLM call.
      res.on('close', () => {
        if (!res.writableEnded) controller.abort();
      });
      reply.hijack();
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      try {
        // Drained even after a disconnect: the aborted turn ends quickly and still records the customer's question.
        for await (const event of events) {
          if (!controller.signal.aborted) res.write(sseFrame(event));
        }
      } catch (error) {
        req.log.error({ err: error }, 'chat stream failed');
        if (!res.writableEnded) res.write(sseFrame({ type: 'error', code: 'INTERNAL_ERROR', message: 'The turn failed; please try again' }));
      } finally {
        res.end();
      }
    });
  };
