import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, fixture, runJobs, upload } from '../knowledge/knowledge-helpers.js';

type Message = { id: string; role: string; content: string };
/** The fields these tests read from any response's data. */
type Data = Conversation & {
  items: (Conversation & Message)[];
  pagination: { page: number; limit: number; total: number; pages: number };
  messages: Message[];
  content: string;
  messageId: string;
  citations: { documentTitle: string }[];
};
type Conversation = { id: string; agentId: string; channel: string; status: string; priority: string; customer: Record<string, unknown>; messageCount: number; closeReason: string | null; summary: string | null; rating: number | null; closedAt: string | null };

describe('sessions and conversations API', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let agentId: string;
  let otherAgentId: string;

  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const response = await t.app.inject({ method, url: `/api/v1${url}`, headers: tenant.headers, payload });
    return { status: response.statusCode, body: response.json() as { data: Data; error?: { code: string } } };
  };
  const ok = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const response = await call(method, url, payload);
    if (response.status >= 300) throw new Error(`${method} ${url}: ${JSON.stringify(response.body)}`);
    return response.body.data;
  };
  const createAgent = async (name: string, knowledgeBaseIds: string[]) => {
    const agent = await ok('POST', '/agents', { name, knowledgeBaseIds });
    await ok('POST', `/agents/${agent.id}/publish`);
    return agent.id as string;
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_AI: '1000', RATE_LIMIT_UPLOAD: '1000' } });
    tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    await upload(t, tenant, kb.id, { filename: 'password.md', content: await fixture('md/github-docs-creating-a-strong-password.md') });
    await runJobs(t);
    agentId = await createAgent('Passwords', [kb.id]);
    otherAgentId = await createAgent('Other', []);
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs a session: create, send a message, read the history, clear it, end it', async () => {
    const session = (await ok('POST', '/sessions', { agentId, channel: 'web', customer: { name: 'Ada', email: 'ada@example.test' } })) as Conversation;
    expect(session).toMatchObject({ agentId, channel: 'web', status: 'ACTIVE', priority: 'NORMAL', customer: { name: 'Ada' }, messageCount: 0 });
    expect(await ok('GET', `/sessions/${session.id}`)).toMatchObject({ id: session.id });

    const reply = await ok('POST', `/conversations/${session.id}/messages`, { message: 'How many characters long should a strong password be?' });
    expect(reply).toMatchObject({ conversationId: session.id, mode: 'extractive' });
    expect(reply.content).toContain('15 characters');
    expect(reply.citations.length).toBeGreaterThan(0);
    expect(reply.citations[0]!.documentTitle).toMatch(/password/i);

    const page = await ok('GET', `/sessions/${session.id}/messages?limit=1`);
    expect(page.pagination).toEqual({ page: 1, limit: 1, total: 2, pages: 2 });
    expect(page.items[0]).toMatchObject({ role: 'user', content: 'How many characters long should a strong password be?' });
    const full = await ok('GET', `/conversations/${session.id}`);
    expect(full.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(full.messages[1]).toMatchObject({ id: reply.messageId, content: reply.content, metadata: { mode: 'extractive' } });
    expect(full.messageCount).toBe(2);

    expect(await ok('DELETE', `/sessions/${session.id}/messages`)).toEqual({ deleted: 2 });
    expect((await ok('GET', `/sessions/${session.id}/messages`)).items).toEqual([]);
    expect((await ok('GET', `/sessions/${session.id}`)).messageCount).toBe(0);

    const ended = (await ok('POST', `/sessions/${session.id}/end`)) as Conversation;
    expect(ended).toMatchObject({ status: 'CLOSED', closeReason: 'ended' });
    expect(ended.closedAt).not.toBeNull();
    const afterEnd = await call('POST', `/conversations/${session.id}/messages`, { message: 'Still there?' });
    expect([afterEnd.status, afterEnd.body.error?.code]).toEqual([409, 'CONFLICT']);
  });

  it('refuses sessions with drafts and unknown agents, and bad input', async () => {
    const draft = await ok('POST', '/agents', { name: 'Draft' });
    expect((await call('POST', '/sessions', { agentId: draft.id })).status).toBe(409);
    expect((await call('POST', '/sessions', { agentId: '0190a5b2-0000-7000-8000-000000000000' })).status).toBe(404);
    expect((await call('POST', '/sessions', { agentId: 'nope' })).status).toBe(400);
    expect((await call('GET', '/conversations/not-a-uuid')).status).toBe(400);
    expect((await call('GET', '/conversations?from=yesterday')).status).toBe(400);
    expect((await call('POST', `/conversations/0190a5b2-0000-7000-8000-000000000000/messages`, { message: 'Hi' })).status).toBe(404);
  });

  it('closes with reason, summary and rating, once', async () => {
    const session = (await ok('POST', '/sessions', { agentId })) as Conversation;
    expect((await call('POST', `/conversations/${session.id}/close`, { rating: 6 })).status).toBe(400);
    const closed = await ok('POST', `/conversations/${session.id}/close`, { reason: 'resolved', summary: 'Explained password length', rating: 5 });
    expect(closed).toMatchObject({ status: 'CLOSED', closeReason: 'resolved', summary: 'Explained password length', rating: 5 });
    expect((await call('POST', `/conversations/${session.id}/close`, {})).status).toBe(409);
    // Reopening clears the close time; the rating stays with the conversation.
    expect(await ok('PATCH', `/conversations/${session.id}`, { status: 'ACTIVE' })).toMatchObject({ status: 'ACTIVE', closedAt: null, rating: 5 });
    expect((await call('PATCH', `/conversations/${session.id}`, {})).status).toBe(400);
  });

  it('filters conversations by status, agent, channel, priority, message text and date, and paginates', async () => {
    const marker = `zebra${Date.now()}`;
    const a = (await ok('POST', '/sessions', { agentId, channel: 'whatsapp' })) as Conversation;
    const b = (await ok('POST', '/sessions', { agentId: otherAgentId, channel: 'whatsapp' })) as Conversation;
    await ok('POST', `/conversations/${a.id}/messages`, { message: `What about ${marker} passwords?` });
    await ok('PATCH', `/conversations/${b.id}`, { priority: 'URGENT', status: 'WAITING' });

    const ids = async (query: string) => ((await ok('GET', `/conversations?${query}`)).items as Conversation[]).map((row) => row.id);
    expect(await ids(`search=${marker}`)).toEqual([a.id]);
    expect(await ids(`search=${marker.toUpperCase()}`)).toEqual([a.id]);
    expect(await ids('search=%25')).not.toContain(b.id);
    expect(await ids('priority=URGENT')).toEqual([b.id]);
    expect(await ids('status=WAITING')).toEqual([b.id]);
    expect(await ids(`agentId=${otherAgentId}&channel=whatsapp`)).toEqual([b.id]);
    expect(await ids(`channel=whatsapp&agentId=${agentId}`)).toEqual([a.id]);
    expect(await ids(`channel=whatsapp&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect(await ids(`channel=whatsapp&from=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`)).toEqual([b.id, a.id]);
    const page = await ok('GET', '/sessions?channel=whatsapp&limit=1&page=2');
    expect(page.pagination).toEqual({ page: 2, limit: 1, total: 2, pages: 2 });
    expect(page.items.map((row) => row.id)).toEqual([a.id]);
  });

  it('keeps tenants apart in lists and message search', async () => {
    const other = await createTenant(t);
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/conversations?search=password', headers: other.headers });
    expect(response.json().data.items).toEqual([]);
  });
});
