import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { tenantCtx } from '../../app/plugins/auth.js';
import { toAppError } from '../../app/plugins/error-handler.js';
import { AppError } from '../../lib/errors.js';
import type { ChatEvent, ChatSource, TurnResult } from '../chat/chat.events.js';
import { ZChatCompletion, ZChatCompletionBody, ZConversationHeaders, ZModel, ZModelList, ZModelParams, withOpenAiErrors } from './openai-compat.schemas.js';
import type { CompletionStart, OpenAiCompatService } from './openai-compat.service.js';
import { completionId, deltaChunk, DONE_FRAME, errorFrame, finalChunk, roleChunk, toCompletion, usageChunk } from './openai-compat.wire.js';

const tags = ['openai-compatible'];

const OPENAI_TYPES: Partial<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** OpenAI SDKs read `error.message/type/param/code`; `code` keeps Switchboard's error code. */
const renderOpenAiError = (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
  const appError = toAppError(error) ?? new AppError('INTERNAL_ERROR', `Internal server error (request ${req.id})`);
  if (appError.statusCode >= 500) req.log.error({ err: error }, appError.message);
  const details = appError.details as { param?: string } | undefined;
  return reply.status(appError.statusCode).send({
    error: { message: appError.message, type: OPENAI_TYPES[appError.statusCode] ?? 'server_error', param: details?.param ?? null, code: appError.code },
  });
};

/** Drains a started turn: its answer, the sources it retrieved, and the text the customer saw. */
const collect = async (start: CompletionStart) => {
  let sources: ChatSource[] = [];
  let result: TurnResult | undefined;
  for (let step = start.first; !step.done; step = await start.events.next()) {
    const event: ChatEvent = step.value;
    if (event.type === 'sources') sources = event.sources;
    if (event.type === 'done') result = event.result;
  }
  return { sources, result };
};

export const openAiCompatRoutes =
  (service: OpenAiCompatService): FastifyPluginAsyncZod =>
  async (app) => {
    app.setErrorHandler(renderOpenAiError);

    app.get('/models', {
      schema: { operationId: 'openAiListModels', tags, summary: 'The tenant\'s published agents as OpenAI models', response: withOpenAiErrors({ 200: ZModelList }) },
      config: { permission: 'agents:read' },
    }, async (req) => ({ object: 'list' as const, data: await service.listModels(tenantCtx(req)) }));

    app.get('/models/:model', {
      schema: { operationId: 'openAiGetModel', tags, summary: 'One agent as an OpenAI model', params: ZModelParams, response: withOpenAiErrors({ 200: ZModel }) },
      config: { permission: 'agents:read' },
    }, async (req) => service.getModel(tenantCtx(req), req.params.model));

    app.post('/chat/completions', {
      schema: {
        operationId: 'openAiChatCompletion',
        tags,
        summary: 'Ask an agent through the OpenAI chat-completions API (stream or not)',
        description: 'With `stream: true` the answer comes as `text/event-stream` chat.completion.chunk frames ending with `data: [DONE]`.',
        headers: ZConversationHeaders,
        body: ZChatCompletionBody,
        response: withOpenAiErrors({ 200: z.union([ZChatCompletion, z.string().describe('text/event-stream when stream is true')]) }),
      },
      config: { permission: 'conversations:write', rateLimitCategory: 'ai' },
    }, async (req, reply) => {
      const controller = new AbortController();
      const conversationKey = req.headers['x-conversation-id'] ?? req.body.user;
      // Errors up to the first event (unknown model, closed conversation, bad messages) are answered as JSON.
      const start = await service.startCompletion(tenantCtx(req), { body: req.body, conversationKey, signal: controller.signal });
      const head = { id: completionId(null, start.conversationId), created: Math.floor(Date.now() / 1000), model: start.agentId };
      reply.header('x-conversation-id', conversationKey ?? start.conversationId);
      if (!req.body.stream) {
        reply.raw.on('close', () => {
          if (!reply.raw.writableEnded) controller.abort();
        });
        const { sources, result } = await collect(start);
        // Only an aborted turn ends without a result: the client has gone, there is no one to answer.
        if (!result) return reply.hijack();
        return toCompletion({ ...head, id: completionId(result.messageId, start.conversationId), result, sources });
      }

      const res = reply.raw;
      res.on('close', () => {
        if (!res.writableEnded) controller.abort();
      });
      reply.hijack();
      res.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      const write = (text: string) => {
        if (!controller.signal.aborted) res.write(text);
      };
      write(roleChunk(head));
      let sources: ChatSource[] = [];
      try {
        for (let step = start.first; !step.done; step = await start.events.next()) {
          const event = step.value;
          if (event.type === 'sources') sources = event.sources;
          if (event.type === 'token') write(deltaChunk(head, event.text));
          if (event.type === 'done') {
            write(finalChunk(head, event.result, sources));
            if (req.body.stream_options?.include_usage) write(usageChunk(head, event.result));
          }
        }
        write(DONE_FRAME);
      } catch (error) {
        req.log.error({ err: error }, 'chat completion stream failed');
        write(errorFrame('INTERNAL_ERROR', 'The turn failed; please try again'));
      } finally {
        res.end();
      }
    });
  };
