import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A small local LLM server speaking the OpenAI chat-completions API (`/v1/chat/completions`, `/v1/models`) and the
 * Anthropic messages API (`/v1/messages`), streaming or not. Tests script each reply: text, usage, failures, delays,
 * a connection dropped mid-stream, or a stream that never ends (to prove aborts reach it).
 */

export type FakeReply = {
  /** The answer; streamed word by word unless `chunks` gives the exact deltas. */
  text?: string;
  chunks?: string[];
  /** Reported usage; `null` omits it (some servers do), default estimates from the request and the reply. */
  usage?: { inputTokens: number; outputTokens: number } | null;
  /** An HTTP error instead of an answer. */
  status?: number;
  /** Before the response headers. */
  delayMs?: number;
  /** Between streamed chunks. */
  chunkDelayMs?: number;
  /** Destroys the socket after this many chunks (a provider crashing mid-answer). */
  dropAfterChunks?: number;
  /** Streams the chunks, then never finishes. */
  hang?: boolean;
};

export type RecordedRequest = {
  api: 'openai' | 'anthropic';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  startedAt: number;
  /** When the client went away before the reply was complete; undefined if it was not aborted. */
  abortedAt?: number;
};

export type FakeLlmServer = {
  /** Base URL including /v1, as a provider's baseUrl. */
  baseUrl: string;
  /** `127.0.0.1:port`, for OUTBOUND_ALLOW_HOSTS. */
  hostPort: string;
  requests: RecordedRequest[];
  /** Queues replies used in order by the next calls; when empty, `respond` (or a fixed "OK") answers. */
  enqueue: (...replies: FakeReply[]) => void;
  close: () => Promise<void>;
};

const words = (text: string) => text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);

const readJson = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
};

const estimate = (value: unknown) => Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));

const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

type Wire = {
  errorBody: (status: number) => unknown;
  completion: (model: string, text: string, usage: FakeReply['usage']) => unknown;
  streamStart: (model: string, usage: FakeReply['usage']) => string[];
  streamDelta: (model: string, text: string) => string;
  streamEnd: (model: string, usage: FakeReply['usage']) => string[];
};

const openAiData = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;
const openAiChunk = (model: string, delta: object, finishReason: string | null = null) =>
  openAiData({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: [{ index: 0, delta, finish_reason: finishReason }] });
const openAiUsage = (usage: { inputTokens: number; outputTokens: number }) => ({
  prompt_tokens: usage.inputTokens,
  completion_tokens: usage.outputTokens,
  total_tokens: usage.inputTokens + usage.outputTokens,
});

const OPENAI: Wire = {
  errorBody: (status) => ({ error: { message: `fake failure ${status}`, type: 'server_error', code: null } }),
  completion: (model, text, usage) => ({
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    ...(usage ? { usage: openAiUsage(usage) } : {}),
  }),
  streamStart: (model) => [openAiChunk(model, { role: 'assistant', content: '' })],
  streamDelta: (model, text) => openAiChunk(model, { content: text }),
  streamEnd: (model, usage) => [
    openAiChunk(model, {}, 'stop'),
    ...(usage ? [openAiData({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model, choices: [], usage: openAiUsage(usage) })] : []),
    'data: [DONE]\n\n',
  ],
};

const anthropicEvent = (type: string, body: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`;

const ANTHROPIC: Wire = {
  errorBody: (status) => ({ type: 'error', error: { type: status === 529 ? 'overloaded_error' : 'api_error', message: `fake failure ${status}` } }),
  completion: (model, text, usage) => ({
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: usage?.inputTokens ?? 0, output_tokens: usage?.outputTokens ?? 0 },
  }),
  streamStart: (model, usage) => [
    anthropicEvent('message_start', {
      message: { id: 'msg_fake', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage?.inputTokens ?? 0, output_tokens: 0 } },
    }),
    anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ],
  streamDelta: (_model, text) => anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
  streamEnd: (_model, usage) => [
    anthropicEvent('content_block_stop', { index: 0 }),
    anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage?.outputTokens ?? 0 } }),
    anthropicEvent('message_stop', {}),
  ],
};

export const startFakeLlmServer = async (
  options: { respond?: (request: RecordedRequest) => FakeReply; apiKey?: string; models?: string[] } = {},
): Promise<FakeLlmServer> => {
  const queue: FakeReply[] = [];
  const requests: RecordedRequest[] = [];
  const models = options.models ?? ['fake-model'];

  const isAuthorized = (req: IncomingMessage, api: RecordedRequest['api']) => {
    if (!options.apiKey) return true;
    return api === 'anthropic' ? req.headers['x-api-key'] === options.apiKey : req.headers.authorization === `Bearer ${options.apiKey}`;
  };

  const answer = async (req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest, wire: Wire) => {
    const reply = queue.shift() ?? options.respond?.(recorded) ?? { text: 'OK' };
    const model = String(recorded.body.model ?? 'fake-model');
    if (reply.delayMs) await sleep(reply.delayMs);
    if (reply.status) return sendJson(res, reply.status, wire.errorBody(reply.status));
    const chunks = reply.chunks ?? words(reply.text ?? '');
    const text = chunks.join('');
    const usage = reply.usage === null ? undefined : (reply.usage ?? { inputTokens: estimate(recorded.body.messages), outputTokens: chunks.length });
    if (!recorded.body.stream) return sendJson(res, 200, wire.completion(model, text, usage));

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    for (const frame of wire.streamStart(model, usage)) res.write(frame);
    for (const [index, chunk] of chunks.entries()) {
      if (reply.dropAfterChunks !== undefined && index >= reply.dropAfterChunks) {
        await sleep(20); // let the chunks already written reach the client first
        return req.socket.destroy();
      }
      if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
      if (res.destroyed) return;
      res.write(wire.streamDelta(model, chunk));
    }
    if (reply.hang) return; // the client has to give up (or abort) on its own
    for (const frame of wire.streamEnd(model, usage)) res.write(frame);
    res.end();
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const api: RecordedRequest['api'] = path.endsWith('/messages') || req.headers['anthropic-version'] ? 'anthropic' : 'openai';
    void (async () => {
      const body = req.method === 'POST' ? await readJson(req) : {};
      const recorded: RecordedRequest = { api, method: req.method ?? 'GET', path, headers: req.headers, body, startedAt: Date.now() };
      requests.push(recorded);
      res.on('close', () => {
        if (!res.writableFinished) recorded.abortedAt = Date.now();
      });
      if (!isAuthorized(req, api)) return sendJson(res, 401, (api === 'anthropic' ? ANTHROPIC : OPENAI).errorBody(401));
      if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', owned_by: 'fake' })) });
      if (req.method === 'POST' && path === '/v1/chat/completions') return answer(req, res, recorded, OPENAI);
      if (req.method === 'POST' && path === '/v1/messages') return answer(req, res, recorded, ANTHROPIC);
      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}` } });
    })().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    hostPort: `127.0.0.1:${port}`,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
