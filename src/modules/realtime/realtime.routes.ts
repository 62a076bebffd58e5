import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import { z } from 'zod';

import { toAppError } from '../../app/plugins/error-handler.js';
import { holdsNul } from '../../app/plugins/reject-nul.js';
import { AppError } from '../../lib/errors.js';
import { citedSources, type ChatSource } from '../chat/chat.events.js';
import type { ChatService } from '../chat/chat.service.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import type { SocketAuthenticator } from './realtime.auth.js';
import { closeCodeFor, ZInbound, ZSocketParams, ZSocketQuery, type Outbound } from './realtime.protocol.js';

export type RealtimeDeps = {
  authenticate: SocketAuthenticator;
  chat: Pick<ChatService, 'runTurn'>;
  conversations: Pick<ConversationsService, 'openSession'>;
  config: { heartbeatMs: number; authTimeoutMs: number };
};

const toAppErrorOrInternal = (error: unknown) => (error instanceof Error ? toAppError(error) : undefined) ?? new AppError('INTERNAL_ERROR', 'The turn failed; please try again');

export const realtimeRoutes =
  (deps: RealtimeDeps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/chat/agents/:agentId/ws/:sessionId', {
      websocket: true,
      schema: {
        operationId: 'chatWebSocket',
        tags: ['chat'],
        summary: 'WebSocket chat with an agent in a session (see docs/conversations.md for the messages)',
        params: ZSocketParams,
        querystring: ZSocketQuery,
        response: { 101: z.null().describe('Switching protocols') },
      },
      // Authenticated in the handler: browsers send the token as ?token= or in the first message, not as a header.
      config: { public: true, isSecretInUrl: true, rateLimitCategory: 'ai' },
    }, (socket: WebSocket, req) => {
      const { agentId, sessionId } = req.params as z.infer<typeof ZSocketParams>;
      const { token } = req.query as z.infer<typeof ZSocketQuery>;
      const controller = new AbortController();
      const send = (message: Outbound) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      };
      const fail = (error: AppError, isFatal: boolean) => {
        send({ type: 'error', code: error.code, message: error.message });
        if (isFatal) socket.close(closeCodeFor(error.statusCode), error.code);
      };

      // Heartbeat: a peer that does not answer a ping before the next one is gone (closed laptop, dropped network).
      let isAlive = true;
      socket.on('pong', () => {
        isAlive = true;
      });
      const heartbeat = setInterval(() => {
        if (!isAlive) return socket.terminate();
        isAlive = false;
        socket.ping();
      }, deps.config.heartbeatMs);

      let session: Promise<{ ctx: Awaited<ReturnType<SocketAuthenticator>>; channel: string }> | undefined;
      const open = (credential: string) => {
        clearTimeout(authTimer);
        session = (async () => {
          const ctx = await deps.authenticate(credential, { id: req.id, ip: req.ip, userAgent: req.headers['user-agent'] });
          const conversation = await deps.conversations.openSession(ctx, agentId, sessionId);
          send({ type: 'connection_status', status: 'connected', sessionId, agentId, resumed: conversation.messageCount > 0, messageCount: conversation.messageCount });
          return { ctx, channel: conversation.channel };
        })();
        session.catch((error: unknown) => fail(toAppErrorOrInternal(error), true));
      };
      const authTimer = setTimeout(() => {
        if (!session) fail(new AppError('AUTHENTICATION_FAILED', 'Send {"type":"auth","token":"…"} first, or connect with ?token='), true);
      }, deps.config.authTimeoutMs);

      // One turn at a time per socket, in the order the customer wrote.
      let turns = Promise.resolve();
      const runTurn = async (content: string) => {
        const { ctx, channel } = await session!;
        send({ type: 'typing_indicator', isTyping: true });
        let sources: ChatSource[] = [];
        try {
          for await (const event of deps.chat.runTurn(ctx, { agentId, message: content, conversationId: sessionId, channel, persist: true, requireAvailable: true, signal: controller.signal })) {
            if (event.type === 'sources') sources = event.sources;
            if (event.type === 'token') send({ type: 'ai_response', final: false, delta: event.text });
            if (event.type === 'error') send({ type: 'error', code: event.code, message: event.message });
            if (event.type === 'done') {
              const { result } = event;
              send({
                type: 'ai_response',
                final: true,
                messageId: result.messageId,
                content: result.content,
                mode: result.mode,
                confidence: result.confidence,
                citations: citedSources(result, sources),
                escalations: result.escalations,
              });
            }
          }
        } catch (error) {
          const appError = toAppErrorOrInternal(error);
          if (appError.statusCode >= 500) req.log.error({ err: error }, 'websocket turn failed');
          fail(appError, false);
        } finally {
          send({ type: 'typing_indicator', isTyping: false });
        }
      };

      // Handlers are attached before any await, so a message sent right after the upgrade is not lost.
      socket.on('message', (raw) => {
        const parsed = ZInbound.safeParse((() => {
          try {
            return JSON.parse(String(raw)) as unknown;
          } catch {
            return undefined;
          }
        })());
        if (!parsed.success) return fail(new AppError('VALIDATION_ERROR', 'Messages are JSON: {"type":"user_message","content":"…"}, {"type":"auth","token":"…"} or {"type":"ping"}'), false);
        if (holdsNul(parsed.data)) return fail(new AppError('VALIDATION_ERROR', 'Text must not contain the NUL character (U+0000)'), false);
        const message = parsed.data;
        if (message.type === 'ping') return send({ type: 'pong' });
        if (message.type === 'auth') {
          if (session) return fail(new AppError('CONFLICT', 'Already authenticated'), false);
          return open(message.token);
        }
        if (!session) return fail(new AppError('AUTHENTICATION_FAILED', 'Authenticate before sending messages'), true);
        turns = turns.then(() => runTurn(message.content)).catch(() => undefined);
      });
      // A customer who leaves aborts the turn in flight, and with it the upstream LLM call.
      socket.on('close', () => {
        clearInterval(heartbeat);
        clearTimeout(authTimer);
        controller.abort();
      });
      if (token) open(token);
    });
  };
