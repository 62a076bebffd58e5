import { sql } from 'drizzle-orm';
import OpenAI, { AuthenticationError, NotFoundError, PermissionDeniedError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { queryRows } from '../../../src/db/client.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { startFakeLlmServer, type FakeLlmServer } from '../../helpers/fake-llm-server.js';
import { createApiKey, createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, fixture, runJobs, upload } from '../knowledge/knowledge-helpers.js';

type Switchboard = { conversation_id: string; mode: string; citations: { chunk_id: string; document_title: string }[] };
type LlmRequest = { messages: { role: string; content: string }[] };

describe('OpenAI-compatible API with the official openai client', () => {
  let t: TestApp;
  let fake: FakeLlmServer;
  let tenant: TestTenant;
  let origin: string;
  let client: OpenAI;
  let agentId: string;
  let draftId: string;

  const post = async (url: string, payload?: object) => {
    const response = await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: tenant.headers, payload });
    if (response.statusCode >= 300) throw new Error(`${url}: ${response.body}`);
    return response.json().data as { id: string };
  };
  const lastLlmRequest = () => fake.requests.at(-1)!.body as LlmRequest;

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: fake.hostPort, MAX_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_AI: '1000', RATE_LIMIT_UPLOAD: '1000' } });
    tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    await upload(t, tenant, kb.id, { filename: 'password.md', content: await fixture('md/github-docs-creating-a-strong-password.md') });
    await runJobs(t);
    const provider = await post('/ai-providers', { name: 'fake', provider: 'openai-compatible', baseUrl: fake.baseUrl, defaultModel: 'fake-model' });
    agentId = (await post('/agents', { name: 'Password helper', knowledgeBaseIds: [kb.id], model: { providerId: provider.id } })).id;
    await post(`/agents/${agentId}/publish`);
    draftId = (await post('/agents', { name: 'Unpublished' })).id;
    origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
    client = new OpenAI({ apiKey: tenant.token, baseURL: `${origin}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('lists the published agents as models and retrieves one', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual([agentId]);
    expect(models.data[0]).toMatchObject({ object: 'model', owned_by: 'switchboard' });
    expect((await client.models.retrieve(agentId)).id).toBe(agentId);
    await expect(client.models.retrieve(draftId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers a non-streamed completion with usage and citations of retrieved chunks', async () => {
    fake.enqueue({ chunks: ['Use at least ', '15 characters [1].'], usage: { inputTokens: 210, outputTokens: 9 } });
    const completion = await client.chat.completions.create({ model: agentId, messages: [{ role: 'user', content: 'How long should a strong password be?' }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Use at least 15 characters [1].' });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toEqual(expect.objectContaining({ prompt_tokens: 210, completion_tokens: 9, total_tokens: 219 }));
    const turn = (completion as unknown as { switchboard: Switchboard }).switchboard;
    expect(turn.mode).toBe('generative');
    expect(turn.citations).toHaveLength(1);
    expect(turn.citations[0]!.document_title).toMatch(/password/i);
    // The agent's retrieved context went to the provider inside the system prompt.
    expect(lastLlmRequest().messages[0]!.content).toContain(turn.citations[0]!.chunk_id);
    // Nobody streams this answer: the provider was asked for it in one response.
    expect((fake.requests.at(-1)!.body as { stream?: boolean }).stream).toBeFalsy();
  });

  it('streams chunks the client reassembles, with a usage chunk when asked', async () => {
    fake.enqueue({ chunks: ['A password ', 'manager ', 'helps [1].'], usage: { inputTokens: 100, outputTokens: 3 } });
    const stream = await client.chat.completions.create({ model: agentId, messages: [{ role: 'user', content: 'Should I use a password manager for a strong password?' }], stream: true, stream_options: { include_usage: true } });
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toEqual(['A password ', 'manager ', 'helps [1].']);
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 3, total_tokens: 103 });
  });

  it('keeps the conversation server-side under the X-Conversation-Id header', async () => {
    const headers = { 'X-Conversation-Id': `visitor-${Math.random()}` };
    const first = await client.chat.completions.create({ model: agentId, messages: [{ role: 'user', content: 'What makes a strong password?' }] }, { headers });
    fake.enqueue({ text: 'At least 15 characters [1].' });
    const second = await client.chat.completions.create({ model: agentId, messages: [{ role: 'user', content: 'How long should it be?' }] }, { headers });
    const ids = [first, second].map((completion) => (completion as unknown as { switchboard: Switchboard }).switchboard.conversation_id);
    expect(ids[1]).toBe(ids[0]);
    // The provider saw the first exchange as history, though the caller sent only the new question.
    const sent = lastLlmRequest().messages;
    expect(sent.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(sent[1]!.content).toBe('What makes a strong password?');
    const [row] = await queryRows<{ external_id: string; message_count: number; channel: string }>(t.database.db, sql`SELECT external_id, message_count, channel FROM conversations WHERE id = ${ids[0]}`);
    expect(row).toEqual({ external_id: headers['X-Conversation-Id'], message_count: 4, channel: 'openai' });
  });

  it('keeps the conversation under the user field too, and seeds stateless calls with the history they send', async () => {
    const user = `customer-${Math.random()}`;
    const first = await client.chat.completions.create({ model: agentId, user, messages: [{ role: 'user', content: 'What makes a strong password?' }] });
    const second = await client.chat.completions.create({ model: agentId, user, messages: [{ role: 'user', content: 'And how long?' }] });
    expect((second as unknown as { switchboard: Switchboard }).switchboard.conversation_id).toBe((first as unknown as { switchboard: Switchboard }).switchboard.conversation_id);

    const calls = fake.requests.length;
    const seeded = await client.chat.completions.create({
      model: agentId,
      messages: [
        { role: 'system', content: 'Ignored: the agent has its own prompt' },
        { role: 'user', content: 'Tell me about strong passwords' },
        { role: 'assistant', content: 'They are long and unique.' },
        { role: 'user', content: [{ type: 'text', text: 'How many characters should a strong password have?' }] },
      ],
    });
    expect(fake.requests.length).toBe(calls + 1);
    const sent = lastLlmRequest().messages;
    expect(sent.slice(1)).toEqual([
      { role: 'user', content: 'Tell me about strong passwords' },
      { role: 'assistant', content: 'They are long and unique.' },
      { role: 'user', content: 'How many characters should a strong password have?' },
    ]);
    expect(sent[0]!.content).not.toContain('Ignored');
    // Stored with the turn, in the caller's order, the sent history marked as such.
    const conversationId = (seeded as unknown as { switchboard: Switchboard }).switchboard.conversation_id;
    const stored = await queryRows<{ role: string; content: string; source: string | null }>(t.database.db, sql`
      SELECT role, content, metadata->>'source' AS source FROM messages WHERE conversation_id = ${conversationId} ORDER BY created_at, id`);
    expect(stored.map((row) => [row.role, row.source])).toEqual([['user', 'request_history'], ['assistant', 'request_history'], ['user', null], ['assistant', null]]);
    expect(stored[2]!.content).toBe('How many characters should a strong password have?');
    const [conversation] = await queryRows<{ message_count: number }>(t.database.db, sql`SELECT message_count FROM conversations WHERE id = ${conversationId}`);
    expect(conversation!.message_count).toBe(4);
  });

  it('answers errors in the OpenAI shape: unknown model 404, bad input 400, draft agent 409', async () => {
    for (const model of ['gpt-4o', '0190a5b2-0000-7000-8000-000000000000', draftId]) {
      const error = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello?' }] }).catch((caught: unknown) => caught);
      expect(error, model).toBeInstanceOf(OpenAI.APIError);
      const apiError = error as InstanceType<typeof OpenAI.APIError>;
      if (model === draftId) {
        expect(apiError.status).toBe(409);
      } else {
        expect(apiError).toBeInstanceOf(NotFoundError);
        expect(apiError.code).toBe('RESOURCE_NOT_FOUND');
        expect(apiError.param).toBe('model');
        expect(apiError.message).toContain(model);
      }
    }
    const response = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${tenant.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: agentId, messages: [{ role: 'assistant', content: 'Hi' }] }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { message: expect.stringMatching(/last message/), type: 'invalid_request_error', param: 'messages', code: 'VALIDATION_ERROR' } });
  });

  it('refuses a missing or wrong key with 401 and a key without the permission with 403', async () => {
    const anonymous = await fetch(`${origin}/v1/models`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { type: 'authentication_error', code: 'AUTHENTICATION_FAILED' } });
    const wrong = new OpenAI({ apiKey: 'sb_not-a-key', baseURL: `${origin}/v1`, maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: agentId, messages: [{ role: 'user', content: 'Hi' }] })).rejects.toBeInstanceOf(AuthenticationError);
    const readOnly = await createApiKey(t, tenant, ['agents:read']);
    const limited = new OpenAI({ apiKey: readOnly.secret, baseURL: `${origin}/v1`, maxRetries: 0 });
    expect((await limited.models.list()).data).toHaveLength(1);
    await expect(limited.chat.completions.create({ model: agentId, messages: [{ role: 'user', content: 'Hi' }] })).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});
