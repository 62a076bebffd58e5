import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSafeFetch } from '../../../src/adapters/http/safe-fetch.js';
import { createAiSdkLlm } from '../../../src/adapters/llm/ai-sdk.js';
import { LlmError, type LlmConnection, type LlmPort, type LlmStreamPart } from '../../../src/adapters/llm/port.js';
import { startFakeLlmServer, type FakeLlmServer } from '../../helpers/fake-llm-server.js';

const collect = async (stream: AsyncIterable<LlmStreamPart>) => {
  const parts: LlmStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
};
const textOf = (parts: LlmStreamPart[]) => parts.map((part) => (part.type === 'text' ? part.text : '')).join('');

describe('LLM port on the Vercel AI SDK, through the SSRF-guarded fetch', () => {
  let fake: FakeLlmServer;
  let http: ReturnType<typeof createSafeFetch>;
  let llm: LlmPort;
  const ask = (connection: LlmConnection, signal?: AbortSignal) =>
    llm.streamText(connection, { model: 'fake-model', system: 'Be brief.', messages: [{ role: 'user', content: 'Hello?' }], temperature: 0.2, maxOutputTokens: 50, signal });

  beforeAll(async () => {
    fake = await startFakeLlmServer({ apiKey: 'sk-test' });
    http = createSafeFetch({ allowHosts: [fake.hostPort], allowPorts: [], timeoutMs: 5000, maxBytes: 1_000_000, maxRedirects: 0, userAgent: 'test' });
    llm = createAiSdkLlm({ fetch: http.fetchLike });
  });
  afterAll(async () => {
    await http.close();
    await fake.close();
  });

  const openAi: () => LlmConnection = () => ({ provider: 'openai-compatible', baseUrl: fake.baseUrl, apiKey: 'sk-test' });
  const anthropic: () => LlmConnection = () => ({ provider: 'anthropic', baseUrl: fake.baseUrl, apiKey: 'sk-test' });

  it('streams text deltas and usage from an OpenAI-compatible server, sending the request parameters', async () => {
    fake.enqueue({ chunks: ['Hel', 'lo ', 'there'], usage: { inputTokens: 12, outputTokens: 3 } });
    const parts = await collect(ask(openAi()));
    expect(parts.filter((part) => part.type === 'text').map((part) => (part as { text: string }).text)).toEqual(['Hel', 'lo ', 'there']);
    expect(parts.at(-1)).toEqual({ type: 'finish', usage: { inputTokens: 12, outputTokens: 3, totalTokens: 15 }, finishReason: 'stop' });
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    expect(sent.body).toMatchObject({ model: 'fake-model', stream: true, temperature: 0.2, max_tokens: 50 });
    expect(sent.body.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello?' }]);
  });

  it('streams from an Anthropic messages endpoint', async () => {
    fake.enqueue({ text: 'Bonjour tout le monde', usage: { inputTokens: 9, outputTokens: 4 } });
    const parts = await collect(ask(anthropic()));
    expect(textOf(parts)).toBe('Bonjour tout le monde');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', usage: { inputTokens: 9, outputTokens: 4, totalTokens: 13 } });
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-test');
    expect(sent.body).toMatchObject({ model: 'fake-model', system: [{ type: 'text', text: 'Be brief.' }], max_tokens: 50, stream: true });
  });

  it('reuses a built model only for the same credential and model: a changed key or model is what the next call sends', async () => {
    fake.enqueue({ text: 'one' }, { text: 'two' });
    await collect(ask(openAi()));
    // The server only knows sk-test: a call still using the first key's model would succeed.
    const rotated = collect(llm.streamText({ ...openAi(), apiKey: 'sk-rotated' }, { model: 'fake-model', messages: [{ role: 'user', content: 'Hi' }] }));
    await expect(rotated).rejects.toMatchObject({ kind: 'auth', status: 401 });
    await collect(llm.streamText(openAi(), { model: 'other-model', messages: [{ role: 'user', content: 'Hi' }] }));
    const sent = fake.requests.slice(-3);
    expect(sent.map((request) => request.headers.authorization)).toEqual(['Bearer sk-test', 'Bearer sk-rotated', 'Bearer sk-test']);
    expect(sent.map((request) => request.body.model)).toEqual(['fake-model', 'fake-model', 'other-model']);
  });

  it('asks for a whole answer in one response when nobody streams it, from both APIs', async () => {
    const request = { model: 'fake-model', system: 'Be brief.', messages: [{ role: 'user' as const, content: 'Hello?' }], temperature: 0.2, maxOutputTokens: 50 };
    fake.enqueue({ text: 'Hello there', usage: { inputTokens: 12, outputTokens: 2 } }, { text: 'Bonjour', usage: { inputTokens: 9, outputTokens: 1 } });
    expect(await llm.generateText(openAi(), request)).toEqual({ text: 'Hello there', usage: { inputTokens: 12, outputTokens: 2, totalTokens: 14 }, finishReason: 'stop' });
    expect(fake.requests.at(-1)!.body).toMatchObject({ model: 'fake-model', temperature: 0.2, max_tokens: 50 });
    expect(fake.requests.at(-1)!.body.stream).toBeFalsy();
    expect(await llm.generateText(anthropic(), request)).toMatchObject({ text: 'Bonjour', usage: { inputTokens: 9, outputTokens: 1 } });
    expect(fake.requests.at(-1)!.path).toBe('/v1/messages');
    expect(fake.requests.at(-1)!.body.stream).toBeFalsy();

    fake.enqueue({ status: 429 });
    await expect(llm.generateText(openAi(), request)).rejects.toMatchObject({ kind: 'rate_limited', status: 429 });
  });

  it('estimates usage when the server reports none', async () => {
    fake.enqueue({ text: 'abcdefgh', usage: null });
    const finish = (await collect(ask(openAi()))).at(-1) as Extract<LlmStreamPart, { type: 'finish' }>;
    expect(finish.usage.outputTokens).toBe(2);
    expect(finish.usage.inputTokens).toBeGreaterThan(0);
  });

  it.each([
    [503, 'unavailable', true],
    [429, 'rate_limited', true],
    [401, 'auth', false],
    [400, 'bad_request', false],
  ] as const)('maps HTTP %i to %s (retryable: %s)', async (status, kind, isRetryable) => {
    fake.enqueue({ status });
    const error = await collect(ask(openAi())).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).kind).toBe(kind);
    expect((error as LlmError).isRetryable).toBe(isRetryable);
    expect((error as LlmError).status).toBe(status);
  });

  it('fails a stream cut off mid-answer instead of finishing it', async () => {
    fake.enqueue({ text: 'one two three four', dropAfterChunks: 2 });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const part of ask(openAi())) if (part.type === 'text') seen.push(part.text);
    })().catch((caught: unknown) => caught);
    expect(seen.join('')).toBe('one two ');
    expect((error as LlmError).kind).toBe('unavailable');
  });

  it('aborting the signal closes the upstream connection', async () => {
    fake.enqueue({ text: 'never ending', hang: true });
    const controller = new AbortController();
    const started = Date.now();
    const error = await (async () => {
      for await (const part of ask(openAi(), controller.signal)) if (part.type === 'text') controller.abort();
    })().catch((caught: unknown) => caught);
    expect((error as LlmError).kind).toBe('aborted');
    const request = fake.requests.at(-1)!;
    await expect.poll(() => request.abortedAt, { timeout: 1000 }).toBeDefined();
    expect(request.abortedAt! - started).toBeLessThan(1000);
  });

  it('refuses provider addresses the outbound policy blocks', async () => {
    const blocked = createAiSdkLlm({ fetch: createSafeFetch({ allowHosts: [], allowPorts: [], timeoutMs: 2000, maxBytes: 1000, maxRedirects: 0, userAgent: 't' }).fetchLike });
    const error = await collect(blocked.streamText(openAi(), { model: 'm', messages: [{ role: 'user', content: 'hi' }] })).catch((caught: unknown) => caught);
    expect((error as LlmError).kind).toBe('bad_request');
    expect((error as LlmError).message).toMatch(/not allowed/);
  });

  it('checks a credential by listing models, for both APIs', async () => {
    expect(await llm.check(openAi())).toMatchObject({ ok: true, models: ['fake-model'] });
    expect(await llm.check(anthropic())).toMatchObject({ ok: true, models: ['fake-model'] });
    expect(await llm.check({ ...openAi(), apiKey: 'wrong' })).toMatchObject({ ok: false, status: 401 });
    expect(await llm.check({ provider: 'openai-compatible', baseUrl: 'http://10.1.2.3:9/v1' })).toMatchObject({ ok: false, error: expect.stringMatching(/not allowed/) });
  });
});
