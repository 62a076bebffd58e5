import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { queryRows } from '../../../src/db/client.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { startFakeLlmServer, type FakeLlmServer } from '../../helpers/fake-llm-server.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, fixture, runJobs, upload } from '../knowledge/knowledge-helpers.js';
import { ask } from './chat-helpers.js';

describe('chat runtime: aborts and grounding over real HTTP', () => {
  let t: TestApp;
  let fake: FakeLlmServer;
  let tenant: TestTenant;
  let agentId: string;
  let origin: string;

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: fake.hostPort, MAX_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_AI: '1000', RATE_LIMIT_UPLOAD: '1000' } });
    tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    await upload(t, tenant, kb.id, { filename: 'password.md', content: await fixture('md/github-docs-creating-a-strong-password.md') });
    await upload(t, tenant, kb.id, { filename: 'readability.md', content: await fixture('md/readability-README.md') });
    await runJobs(t);
    const post = async (url: string, payload?: object) => (await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: tenant.headers, payload })).json().data;
    const provider = await post('/ai-providers', { name: 'fake', provider: 'openai-compatible', baseUrl: fake.baseUrl, defaultModel: 'fake-model' });
    agentId = (await post('/agents', { name: 'Streamer', knowledgeBaseIds: [kb.id], model: { providerId: provider.id }, fallback: { escalation: { onLowConfidence: false } } })).id;
    await post(`/agents/${agentId}/publish`);
    origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('a client that disconnects mid-answer aborts the upstream call within a second', async () => {
    fake.enqueue({ chunks: Array.from({ length: 200 }, (_, index) => `word${index} `), chunkDelayMs: 50 });
    const controller = new AbortController();
    const response = await fetch(`${origin}/api/v1/chat/agents/${agentId}/stream`, {
      method: 'POST',
      headers: { ...tenant.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'How long should a strong password be?' }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('event: token')) text += new TextDecoder().decode((await reader.read()).value);
    const upstream = fake.requests.at(-1)!;
    const abortedAt = Date.now();
    controller.abort();
    await expect.poll(() => upstream.abortedAt, { timeout: 2000, interval: 20 }).toBeDefined();
    expect(upstream.abortedAt! - abortedAt).toBeLessThan(1000);
    // The question is kept for the inbox, marked as never answered.
    const stored = async () => queryRows<{ role: string; metadata: { aborted?: boolean } }>(t.database.db, sql`SELECT m.role, m.metadata FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.agent_id = ${agentId}`);
    await expect.poll(async () => (await stored()).length, { timeout: 2000 }).toBe(1);
    expect(await stored()).toEqual([{ role: 'user', metadata: { aborted: true } }]);
  });

  it('grounding: over many questions, every cited chunk id was retrieved in that turn', async () => {
    const questions = [
      'How long should a strong password be?',
      'Should I use a password manager?',
      'Can I share my password with a collaborator?',
      'What does Readability do with a document?',
      'How do I parse an article with Readability?',
      'Is two-factor authentication recommended?',
    ];
    let citations = 0;
    for (const question of questions) {
      // The model cites numbers it was given and numbers it was not: only retrieved ones may survive.
      fake.enqueue({ text: 'Answer [1] [2] [3] [5] [8] [12] [40].' });
      const turn = await ask(t, tenant, agentId, { message: question });
      expect(turn.done!.mode, question).toBe('generative');
      for (const chunkId of turn.done!.citations) expect(turn.retrieved, question).toContain(chunkId);
      expect(turn.done!.citations.length).toBe(turn.retrieved.filter((_, index) => [1, 2, 3, 5, 8, 12, 40].includes(index + 1)).length);
      citations += turn.done!.citations.length;
    }
    expect(citations).toBeGreaterThan(questions.length);
  });
});
