import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { queryRows } from '../../../src/db/client.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { startFakeLlmServer, type FakeLlmServer } from '../../helpers/fake-llm-server.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, fixture, runJobs, upload } from '../knowledge/knowledge-helpers.js';
import { ask } from './chat-helpers.js';

const UNANSWERABLE = 'What is the capital city of Australia?';

describe('chat runtime over SSE', () => {
  let t: TestApp;
  let fake: FakeLlmServer;
  let tenant: TestTenant;
  let kbId: string;
  let otherKbId: string;

  const post = async (url: string, payload?: object) => {
    const response = await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: tenant.headers, payload });
    if (response.statusCode >= 300) throw new Error(`${url}: ${response.body}`);
    return response.json().data;
  };
  const createAgent = async (body: Record<string, unknown> = {}) => {
    const agent = await post('/agents', { name: 'Helper', knowledgeBaseIds: [kbId], ...body });
    await post(`/agents/${agent.id}/publish`);
    return agent as { id: string; fallback: { message: string } };
  };
  const generativeAgent = async () => {
    const provider = await post('/ai-providers', { name: `fake ${Math.random()}`, provider: 'openai-compatible', baseUrl: fake.baseUrl, defaultModel: 'fake-model' });
    return createAgent({ model: { providerId: provider.id } });
  };

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: fake.hostPort, OUTBOUND_TIMEOUT_MS: '2500', MAX_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_AI: '1000', RATE_LIMIT_UPLOAD: '1000' } });
    tenant = await createTenant(t);
    kbId = (await createKnowledgeBase(t, tenant)).id;
    otherKbId = (await createKnowledgeBase(t, tenant, { name: 'Not attached' })).id;
    await upload(t, tenant, kbId, { filename: 'password.md', content: await fixture('md/github-docs-creating-a-strong-password.md') });
    await upload(t, tenant, kbId, { filename: 'readability.md', content: await fixture('md/readability-README.md') });
    // The same kind of content in a knowledge base no agent has: its chunks must never be retrieved.
    await upload(t, tenant, otherKbId, { filename: 'passwords-elsewhere.txt', content: Buffer.from('A strong password is at least 15 characters long. Password managers generate strong passwords.') });
    await runJobs(t);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('answers extractively without a provider: quoted passages, citations among the retrieved chunks, stored and metered', async () => {
    const agent = await createAgent();
    const turn = await ask(t, tenant, agent.id, { message: 'How many characters long should a strong password be?', customer: { name: 'Ada' } });
    expect(turn.status).toBe(200);
    expect(turn.headers?.['content-type']).toMatch(/^text\/event-stream/);
    expect(turn.events.map((event) => event.event)).toEqual(['sources', 'token', 'done']);
    const done = turn.done!;
    expect(done.mode).toBe('extractive');
    expect(done.content).toMatch(/^Here is what I found in "/);
    expect(done.content).toContain('15 characters');
    expect(done.citations.length).toBeGreaterThan(0);
    for (const chunkId of done.citations) expect(turn.retrieved).toContain(chunkId);
    expect(done.tokens).toEqual({ input: 0, output: 0 });
    expect(done.confidence).toBeGreaterThanOrEqual(0.4);

    const [conversation] = await queryRows<{ channel: string; customer: { name: string }; message_count: number }>(t.database.db, sql`SELECT channel, customer, message_count FROM conversations WHERE id = ${done.conversationId}`);
    expect(conversation).toEqual({ channel: 'api', customer: { name: 'Ada' }, message_count: 2 });
    const [assistant] = await queryRows<{ metadata: { mode: string; citations: { chunkId: string }[] } }>(t.database.db, sql`SELECT metadata FROM messages WHERE id = ${done.messageId}`);
    expect(assistant!.metadata.mode).toBe('extractive');
    expect(assistant!.metadata.citations.map((citation) => citation.chunkId)).toEqual(done.citations);
    const [usage] = await queryRows<{ turns: number; extractive_turns: number }>(t.database.db, sql`SELECT turns, extractive_turns FROM agent_usage_daily WHERE agent_id = ${agent.id}`);
    expect(usage).toEqual({ turns: 1, extractive_turns: 1 });
  });

  it('rewrites a follow-up question with the previous turn and keeps the conversation', async () => {
    const agent = await createAgent();
    const first = await ask(t, tenant, agent.id, { message: 'What makes a strong password?' });
    const followUp = await ask(t, tenant, agent.id, { message: 'How long should it be?', conversationId: first.done!.conversationId });
    expect(followUp.done!.conversationId).toBe(first.done!.conversationId);
    expect(followUp.done!.retrievalQuery).toMatch(/strong password/);
    expect(followUp.done!.mode).toBe('extractive');
    for (const chunkId of followUp.done!.citations) expect(followUp.retrieved).toContain(chunkId);
    const [row] = await queryRows<{ message_count: number }>(t.database.db, sql`SELECT message_count FROM conversations WHERE id = ${first.done!.conversationId}`);
    expect(row!.message_count).toBe(4);
  });

  it('generates through the provider with the retrieved context, streams tokens and keeps only citations of retrieved chunks', async () => {
    const agent = await generativeAgent();
    fake.enqueue({ chunks: ['Use at least ', '15 characters [1]', ', and a password manager [2]. See also [9].'], usage: { inputTokens: 321, outputTokens: 17 } });
    const turn = await ask(t, tenant, agent.id, { message: 'How long should a strong password be?' });
    const done = turn.done!;
    expect(turn.events.filter((event) => event.event === 'token').map((event) => event.data.text)).toEqual(['Use at least ', '15 characters [1]', ', and a password manager [2]. See also [9].']);
    expect(done).toMatchObject({ mode: 'generative', tokens: { input: 321, output: 17 } });
    expect(done.citations.length).toBe(Math.min(2, turn.retrieved.length));
    for (const chunkId of done.citations) expect(turn.retrieved).toContain(chunkId);

    const request = fake.requests.at(-1)!.body as { messages: { role: string; content: string }[]; model: string };
    expect(request.model).toBe('fake-model');
    expect(request.messages[0]!.role).toBe('system');
    for (const chunkId of turn.retrieved) expect(request.messages[0]!.content).toContain(chunkId);
    expect(request.messages.at(-1)).toEqual({ role: 'user', content: 'How long should a strong password be?' });

    const [usage] = await queryRows<{ input_tokens: number; output_tokens: number; generative_turns: number }>(t.database.db, sql`SELECT input_tokens::int, output_tokens::int, generative_turns FROM agent_usage_daily WHERE agent_id = ${agent.id}`);
    expect(usage).toEqual({ input_tokens: 321, output_tokens: 17, generative_turns: 1 });
  });

  it('answers an unanswerable question with the fallback and an escalation event, without calling the provider', async () => {
    const agent = await generativeAgent();
    const calls = fake.requests.length;
    const turn = await ask(t, tenant, agent.id, { message: UNANSWERABLE });
    expect(turn.done).toMatchObject({ mode: 'fallback', content: agent.fallback.message, citations: [] });
    expect(turn.done!.escalations.length).toBe(1);
    expect(fake.requests.length).toBe(calls);
    const events = await queryRows<{ trigger: string; message_id: string }>(t.database.db, sql`SELECT trigger, message_id FROM escalation_events WHERE agent_id = ${agent.id}`);
    expect(events).toEqual([{ trigger: expect.stringMatching(/^(NO_ANSWER|LOW_CONFIDENCE)$/), message_id: turn.done!.messageId }]);
  });

  it('escalates when the customer asks for a human', async () => {
    const agent = await createAgent();
    const turn = await ask(t, tenant, agent.id, { message: 'Can I talk to a human please?' });
    expect(turn.done).toMatchObject({ mode: 'fallback', escalations: ['HUMAN_REQUESTED'] });
  });

  it('retries a failing provider once, then answers with the fallback and AI_SERVICE_UNAVAILABLE', async () => {
    const agent = await generativeAgent();
    fake.enqueue({ status: 503 }, { text: 'Recovered: 15 characters [1]' });
    const recovered = await ask(t, tenant, agent.id, { message: 'How long should a strong password be?' });
    expect(recovered.done).toMatchObject({ mode: 'generative', content: 'Recovered: 15 characters [1]' });

    const calls = fake.requests.length;
    fake.enqueue({ status: 503 }, { status: 500 });
    const failed = await ask(t, tenant, agent.id, { message: 'How long should a strong password be?' });
    expect(fake.requests.length - calls).toBe(2);
    expect(failed.events.map((event) => event.event)).toEqual(['sources', 'error', 'token', 'escalation', 'done']);
    expect(failed.events.find((event) => event.event === 'error')!.data.code).toBe('AI_SERVICE_UNAVAILABLE');
    expect(failed.done).toMatchObject({ mode: 'fallback', content: agent.fallback.message, escalations: ['AI_UNAVAILABLE'] });

    // Not retryable (the key is wrong): one call, then the fallback.
    const before = fake.requests.length;
    fake.enqueue({ status: 401 });
    const refused = await ask(t, tenant, agent.id, { message: 'How long should a strong password be?' });
    expect(fake.requests.length - before).toBe(1);
    expect(refused.done!.mode).toBe('fallback');
  });

  it('never hangs on a provider that stops mid-answer: the outbound timeout ends it with the fallback', async () => {
    const agent = await generativeAgent();
    fake.enqueue({ text: 'Partial answer', hang: true });
    const started = Date.now();
    const turn = await ask(t, tenant, agent.id, { message: 'How long should a strong password be?' });
    expect(Date.now() - started).toBeLessThan(8000);
    expect(turn.done!.mode).toBe('fallback');
    expect(turn.events.some((event) => event.event === 'error')).toBe(true);
  });

  it('never retrieves chunks of a knowledge base the agent does not have', async () => {
    const agent = await createAgent();
    const turn = await ask(t, tenant, agent.id, { message: 'strong password managers generate passwords' });
    const attached = await queryRows<{ id: string }>(t.database.db, sql`SELECT id FROM chunks WHERE knowledge_base_id = ${kbId}`);
    expect(turn.retrieved.length).toBeGreaterThan(0);
    for (const chunkId of turn.retrieved) expect(attached.map((row) => row.id)).toContain(chunkId);

    // Another tenant with the very same document retrieves only its own chunks.
    const other = await createTenant(t);
    const theirKb = await createKnowledgeBase(t, other);
    await upload(t, other, theirKb.id, { filename: 'password.md', content: await fixture('md/github-docs-creating-a-strong-password.md') });
    await runJobs(t);
    const theirAgent = (await t.app.inject({ method: 'POST', url: '/api/v1/agents', headers: other.headers, payload: { name: 'Theirs', knowledgeBaseIds: [theirKb.id] } })).json().data;
    await t.app.inject({ method: 'POST', url: `/api/v1/agents/${theirAgent.id}/publish`, headers: other.headers });
    const theirTurn = await ask(t, other, theirAgent.id, { message: 'strong password managers generate passwords' });
    const theirs = (await queryRows<{ id: string }>(t.database.db, sql`SELECT id FROM chunks WHERE knowledge_base_id = ${theirKb.id}`)).map((row) => row.id);
    expect(theirTurn.retrieved.length).toBeGreaterThan(0);
    for (const chunkId of theirTurn.retrieved) expect(theirs).toContain(chunkId);
  });

  it('generates through an Anthropic provider too', async () => {
    const provider = await post('/ai-providers', { name: 'claude', provider: 'anthropic', baseUrl: fake.baseUrl, apiKey: 'sk-ant-test', defaultModel: 'claude-test' });
    const agent = await createAgent({ model: { providerId: provider.id, responseLength: 'SHORT' } });
    fake.enqueue({ text: 'At least 15 characters [1].', usage: { inputTokens: 200, outputTokens: 8 } });
    const turn = await ask(t, tenant, agent.id, { message: 'How long should a strong password be?' });
    expect(turn.done).toMatchObject({ mode: 'generative', content: 'At least 15 characters [1].', tokens: { input: 200, output: 8 } });
    expect(turn.done!.citations).toEqual([turn.retrieved[0]]);
    const request = fake.requests.at(-1)!;
    expect(request.path).toBe('/v1/messages');
    expect(request.body.model).toBe('claude-test');
  });

  it('tests an agent without storing a conversation', async () => {
    const agent = await post('/agents', { name: 'Draft tester', knowledgeBaseIds: [kbId] });
    const result = await post(`/agents/${agent.id}/test`, { message: 'How many characters long should a strong password be?' });
    expect(result).toMatchObject({ mode: 'extractive', tokensUsed: 0, escalations: [] });
    expect(result.response).toContain('15 characters');
    expect(result.responseTime).toBeGreaterThanOrEqual(0);
    expect(result.sources.length).toBeGreaterThan(0);
    expect(result.sources[0]).toMatchObject({ documentId: expect.any(String), chunkId: expect.any(String), chunk: expect.any(String), relevance: expect.any(Number) });
    const [row] = await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM conversations WHERE agent_id = ${agent.id}`);
    expect(row!.n).toBe(0);
    const performance = (await t.app.inject({ method: 'GET', url: `/api/v1/agents/${agent.id}/performance`, headers: tenant.headers })).json().data;
    expect(performance).toMatchObject({ turns: 1, extractiveTurns: 1, conversations: 0 });
  });

  it('refuses drafts, unknown agents and foreign conversations before streaming', async () => {
    const draft = await post('/agents', { name: 'Draft' });
    expect((await ask(t, tenant, draft.id, { message: 'hi' })).status).toBe(409);
    expect((await ask(t, tenant, '01900000-0000-7000-8000-000000000000', { message: 'hi' })).status).toBe(404);
    expect((await ask(t, tenant, draft.id, { message: '' })).status).toBe(400);

    const agent = await createAgent();
    const other = await createTenant(t);
    const otherKb = await createKnowledgeBase(t, other);
    const otherAgent = (await t.app.inject({ method: 'POST', url: '/api/v1/agents', headers: other.headers, payload: { name: 'Theirs', knowledgeBaseIds: [otherKb.id] } })).json().data;
    await t.app.inject({ method: 'POST', url: `/api/v1/agents/${otherAgent.id}/publish`, headers: other.headers });
    const theirs = await ask(t, other, otherAgent.id, { message: 'hello there' });
    expect((await ask(t, tenant, agent.id, { message: 'hi', conversationId: theirs.done!.conversationId })).status).toBe(404);
    expect((await ask(t, tenant, otherAgent.id, { message: 'hi' })).status).toBe(404);
  });
});
