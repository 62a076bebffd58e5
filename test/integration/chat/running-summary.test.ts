import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { queryRows } from '../../../src/db/client.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { startFakeLlmServer, type FakeLlmServer, type RecordedRequest } from '../../helpers/fake-llm-server.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, fixture, runJobs, upload } from '../knowledge/knowledge-helpers.js';
import { ask } from './chat-helpers.js';

// A window of four messages: the third turn is the first to push an exchange out of it.
const WINDOW = 4;
const QUESTIONS = [
  'How long should a strong password be?',
  'Should I use a password manager to generate a strong password?',
  'Can I share my password with a collaborator?',
  'How many characters does a strong password need?',
  'Should a strong password be unique?',
];
const SUMMARY_SYSTEM = /^You keep the running summary/;

type LlmBody = { messages: { role: string; content: string }[] };

describe('running conversation summary', () => {
  let t: TestApp;
  let fake: FakeLlmServer;

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    t = await createTestApp({ env: { CHAT_HISTORY_WINDOW: String(WINDOW), OUTBOUND_ALLOW_HOSTS: fake.hostPort, RATE_LIMIT_AI: '1000', RATE_LIMIT_UPLOAD: '1000' } });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const bodyOf = (request: RecordedRequest) => request.body as LlmBody;
  const isSummaryRequest = (request: RecordedRequest) => SUMMARY_SYSTEM.test(bodyOf(request).messages[0]?.content ?? '');
  const summaryRequestsOf = (agentRequests: RecordedRequest[]) => agentRequests.filter(isSummaryRequest);

  /** A tenant with the password article and a published agent (generative through the fake server, or extractive). */
  const setup = async (options: { isGenerative: boolean }) => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    await upload(t, tenant, kb.id, { filename: 'password.md', content: await fixture('md/github-docs-creating-a-strong-password.md') });
    await runJobs(t);
    const post = async (url: string, payload: object) => (await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: tenant.headers, payload })).json().data as { id: string };
    const model = options.isGenerative
      ? { providerId: (await post('/ai-providers', { name: 'fake', provider: 'openai-compatible', baseUrl: fake.baseUrl, defaultModel: 'fake-model' })).id }
      : {};
    const agentId = (await post('/agents', { name: 'Password helper', knowledgeBaseIds: [kb.id], model })).id;
    await post(`/agents/${agentId}/publish`, {});
    return { tenant, agentId };
  };

  /** One turn; generative turns answer "Answer n [1]." with 10 input and 5 output tokens. */
  const turn = async (tenant: TestTenant, agentId: string, index: number, conversationId?: string) => {
    fake.enqueue({ text: `Answer ${index + 1} [1].`, usage: { inputTokens: 10, outputTokens: 5 } });
    const reply = await ask(t, tenant, agentId, { message: QUESTIONS[index], conversationId });
    expect(reply.done?.mode, JSON.stringify(reply.done)).not.toBe('fallback');
    return reply.done!.conversationId!;
  };
  const stored = async (conversationId: string) =>
    (await queryRows<{ running_summary: string | null; summarized_count: number }>(t.database.db, sql`SELECT running_summary, summarized_count FROM conversations WHERE id = ${conversationId}`))[0]!;
  const foldJobs = async (conversationId: string) =>
    (await queryRows<{ total: number }>(t.database.db, sql`SELECT count(*)::int AS total FROM jobs WHERE name = 'chat.fold-summary' AND payload->>'conversationId' = ${conversationId}`))[0]!.total;

  it("folds the messages that leave the window into a summary made by the agent's model, after the answer, and sends it with later turns", async () => {
    const { tenant, agentId } = await setup({ isGenerative: true });
    const firstRequest = fake.requests.length;
    const requests = () => fake.requests.slice(firstRequest);

    const conversationId = await turn(tenant, agentId, 0);
    await turn(tenant, agentId, 1, conversationId);
    await runJobs(t);
    // Four messages fit the window: nothing to fold, not even a job.
    expect(await foldJobs(conversationId)).toBe(0);
    expect(await stored(conversationId)).toEqual({ running_summary: null, summarized_count: 0 });

    await turn(tenant, agentId, 2, conversationId);
    // The turn is over (its answer streamed and stored) before any summary is asked for.
    expect(summaryRequestsOf(requests())).toHaveLength(0);
    expect(await foldJobs(conversationId)).toBe(1);

    const summary = 'The customer asked how long a strong password should be; the agent said at least 15 characters.';
    fake.enqueue({ text: summary, usage: { inputTokens: 50, outputTokens: 20 } });
    await runJobs(t);
    const [summaryRequest] = summaryRequestsOf(requests()).map(bodyOf);
    expect(summaryRequestsOf(requests())).toHaveLength(1);
    // Only the first exchange left the window; the next two are still in it.
    const folded = summaryRequest!.messages[1]!.content;
    expect(folded).toContain('Summary so far:\n(none yet)');
    expect(folded).toContain(`Customer: ${QUESTIONS[0]}`);
    expect(folded).toContain('Assistant: Answer 1 [1].');
    expect(folded).not.toContain(QUESTIONS[1]!);
    expect(await stored(conversationId)).toEqual({ running_summary: summary, summarized_count: 2 });

    await turn(tenant, agentId, 3, conversationId);
    const next = bodyOf(requests().filter((request) => !isSummaryRequest(request)).at(-1)!);
    expect(next.messages[0]!.role).toBe('system');
    expect(next.messages[0]!.content).toContain(`Summary of the earlier conversation`);
    expect(next.messages[0]!.content).toContain(summary);
    expect(next.messages.slice(1).map((message) => message.content)).toEqual([QUESTIONS[1], 'Answer 2 [1].', QUESTIONS[2], 'Answer 3 [1].', QUESTIONS[3]]);

    // The summary's tokens are metered with the agent's usage, without counting as a turn.
    const [usage] = await queryRows<{ turns: number; input_tokens: number; output_tokens: number }>(t.database.db, sql`SELECT turns, input_tokens::int, output_tokens::int FROM agent_usage_daily WHERE agent_id = ${agentId}`);
    expect(usage).toEqual({ turns: 4, input_tokens: 4 * 10 + 50, output_tokens: 4 * 5 + 20 });
  });

  it('keeps the previous summary when the model fails, and folds the missed messages with the next turn', async () => {
    const { tenant, agentId } = await setup({ isGenerative: true });
    const firstRequest = fake.requests.length;
    const summaryRequests = () => summaryRequestsOf(fake.requests.slice(firstRequest)).map(bodyOf);

    const conversationId = await turn(tenant, agentId, 0);
    await turn(tenant, agentId, 1, conversationId);
    await turn(tenant, agentId, 2, conversationId);
    fake.enqueue({ text: 'First summary.' });
    await runJobs(t);
    expect(await stored(conversationId)).toEqual({ running_summary: 'First summary.', summarized_count: 2 });

    await turn(tenant, agentId, 3, conversationId);
    fake.enqueue({ status: 500 });
    await runJobs(t);
    expect(summaryRequests()).toHaveLength(2);
    expect(await stored(conversationId)).toEqual({ running_summary: 'First summary.', summarized_count: 2 });
    // The failure does not fail the job: nothing is left to retry or dead.
    const [states] = await queryRows<{ open: number }>(t.database.db, sql`SELECT count(*)::int AS open FROM jobs WHERE name = 'chat.fold-summary' AND payload->>'conversationId' = ${conversationId} AND state <> 'completed'`);
    expect(states!.open).toBe(0);

    await turn(tenant, agentId, 4, conversationId);
    fake.enqueue({ text: 'Second summary.' });
    await runJobs(t);
    const last = summaryRequests().at(-1)!.messages[1]!.content;
    expect(last).toContain('Summary so far:\nFirst summary.');
    // Both exchanges that left the window since the first fold, the failed one's included.
    for (const question of [QUESTIONS[1]!, QUESTIONS[2]!]) expect(last).toContain(`Customer: ${question}`);
    expect(last).not.toContain(QUESTIONS[3]!);
    expect(await stored(conversationId)).toEqual({ running_summary: 'Second summary.', summarized_count: 6 });
  });

  it('summarises extractively without a provider, shows the summary on the conversation, and forgets it with the history', async () => {
    const { tenant, agentId } = await setup({ isGenerative: false });
    const calls = fake.requests.length;
    const conversationId = await turn(tenant, agentId, 0);
    await turn(tenant, agentId, 1, conversationId);
    await turn(tenant, agentId, 2, conversationId);
    await runJobs(t);
    expect(fake.requests.length).toBe(calls);

    const { running_summary: summary, summarized_count: count } = await stored(conversationId);
    expect(count).toBe(2);
    const [question, answer] = summary!.split('\n');
    expect(question).toBe(`- Customer: ${QUESTIONS[0]}`);
    // The gist of the extractive answer: its first quote, verbatim from the article.
    expect(answer).toMatch(/^ {2}Agent: quoted ".*characters.*"$/);
    expect(summary).not.toContain(QUESTIONS[1]!);

    const read = async () => (await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}`, headers: tenant.headers })).json().data as { runningSummary: string | null; summary: string | null };
    expect(await read()).toMatchObject({ runningSummary: summary, summary: null });

    const cleared = await t.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${conversationId}/messages`, headers: tenant.headers });
    expect(cleared.statusCode).toBe(200);
    expect((await read()).runningSummary).toBeNull();
    expect(await stored(conversationId)).toEqual({ running_summary: null, summarized_count: 0 });
  });
});
