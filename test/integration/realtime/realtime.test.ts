import { once } from 'node:events';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { startFakeLlmServer, type FakeLlmServer } from '../../helpers/fake-llm-server.js';
import { createApiKey, createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, fixture, runJobs, upload } from '../knowledge/knowledge-helpers.js';

type Frame = { type: string; [key: string]: unknown };

/** A socket with every frame it received, and a way to wait for the next frames that match. */
const connect = async (url: string) => {
  const socket = new WebSocket(url);
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  let pings = 0;
  socket.on('message', (raw) => {
    frames.push(JSON.parse(String(raw)) as Frame);
    waiters.splice(0).forEach((wake) => wake());
  });
  socket.on('ping', () => {
    pings += 1;
  });
  const closed = once(socket, 'close').then(([code]) => code as number);
  await once(socket, 'open');
  const until = async (isDone: (frames: Frame[]) => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!isDone(frames)) {
      if (Date.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(frames)}`);
      await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), new Promise((resolve) => setTimeout(resolve, 100))]);
    }
    return frames;
  };
  const send = (message: object) => socket.send(JSON.stringify(message));
  return { socket, frames, until, send, closed, pings: () => pings };
};

const finalOf = (frames: Frame[]) => frames.filter((frame) => frame.type === 'ai_response' && frame.final === true);

describe('WebSocket chat transport', () => {
  let t: TestApp;
  let fake: FakeLlmServer;
  let tenant: TestTenant;
  let wsOrigin: string;
  let agentId: string;

  const post = async (headers: { authorization: string }, url: string, payload?: object) => {
    const response = await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers, payload });
    if (response.statusCode >= 300) throw new Error(`${url}: ${response.body}`);
    return response.json().data as { id: string };
  };
  const socketUrl = (sessionId: string, token?: string) => `${wsOrigin}/api/v1/chat/agents/${agentId}/ws/${sessionId}${token ? `?token=${encodeURIComponent(token)}` : ''}`;

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: fake.hostPort, MAX_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_AI: '1000', RATE_LIMIT_UPLOAD: '1000', WS_HEARTBEAT_MS: '100' } });
    tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    await upload(t, tenant, kb.id, { filename: 'password.md', content: await fixture('md/github-docs-creating-a-strong-password.md') });
    await runJobs(t);
    const provider = await post(tenant.headers, '/ai-providers', { name: 'fake', provider: 'openai-compatible', baseUrl: fake.baseUrl, defaultModel: 'fake-model' });
    agentId = (await post(tenant.headers, '/agents', { name: 'Socket helper', knowledgeBaseIds: [kb.id], model: { providerId: provider.id } })).id;
    await post(tenant.headers, `/agents/${agentId}/publish`);
    wsOrigin = (await t.app.listen({ port: 0, host: '127.0.0.1' })).replace(/^http/, 'ws');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('streams an answer, then resumes the same session with its history after a reconnect', async () => {
    const session = await post(tenant.headers, '/sessions', { agentId, channel: 'web' });
    const first = await connect(socketUrl(session.id, tenant.token));
    await first.until((frames) => frames.some((frame) => frame.type === 'connection_status'));
    expect(first.frames[0]).toEqual({ type: 'connection_status', status: 'connected', sessionId: session.id, agentId, resumed: false, messageCount: 0 });

    fake.enqueue({ chunks: ['Use at least ', '15 characters [1].'] });
    first.send({ type: 'user_message', content: 'How long should a strong password be?' });
    const frames = await first.until((all) => all.some((frame) => frame.type === 'typing_indicator' && frame.isTyping === false));
    expect(frames.map((frame) => frame.type)).toEqual(['connection_status', 'typing_indicator', 'ai_response', 'ai_response', 'ai_response', 'typing_indicator']);
    expect(frames.filter((frame) => frame.type === 'ai_response' && frame.final === false).map((frame) => frame.delta)).toEqual(['Use at least ', '15 characters [1].']);
    const [final] = finalOf(frames);
    expect(final).toMatchObject({ content: 'Use at least 15 characters [1].', mode: 'generative', escalations: [] });
    expect((final!.citations as { documentTitle: string }[])[0]!.documentTitle).toMatch(/password/i);
    first.socket.close();
    await first.closed;

    // The browser reconnects without the token in the URL and authenticates with its first message.
    const second = await connect(socketUrl(session.id));
    second.send({ type: 'auth', token: tenant.token });
    await second.until((all) => all.some((frame) => frame.type === 'connection_status'));
    expect(second.frames[0]).toMatchObject({ resumed: true, messageCount: 2 });
    second.send({ type: 'user_message', content: 'How long should it be?' });
    await second.until((all) => finalOf(all).length === 1);
    // The provider got the earlier exchange as history.
    const sent = (fake.requests.at(-1)!.body as { messages: { role: string; content: string }[] }).messages;
    expect(sent.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
    const conversation = (await t.app.inject({ method: 'GET', url: `/api/v1/conversations/${session.id}`, headers: tenant.headers })).json().data;
    expect(conversation).toMatchObject({ channel: 'web', messageCount: 4 });
    second.socket.close();
  });

  it('answers pings, rejects malformed messages without closing, and pings idle clients', async () => {
    const session = await post(tenant.headers, '/sessions', { agentId });
    const client = await connect(socketUrl(session.id, tenant.token));
    client.socket.send('not json');
    // PostgreSQL cannot store U+0000: refused as the client's error, not a failed turn.
    client.send({ type: 'user_message', content: 'a\u0000b' });
    client.send({ type: 'ping' });
    await client.until((frames) => frames.some((frame) => frame.type === 'pong'));
    expect(client.frames.filter((frame) => frame.type === 'error')).toMatchObject([{ code: 'VALIDATION_ERROR' }, { code: 'VALIDATION_ERROR', message: expect.stringContaining('NUL') }]);
    await client.until(() => client.pings() >= 2);
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    client.socket.close();
  });

  it('closes with 44xx codes: bad token, message before auth, missing permission, another tenant\'s session, ended session', async () => {
    const session = await post(tenant.headers, '/sessions', { agentId });
    const expectClosed = async (url: string, code: number, errorCode: string, first?: object) => {
      const client = await connect(url);
      if (first) client.send(first);
      expect(await client.closed, url).toBe(code);
      expect(client.frames.at(-1), url).toMatchObject({ type: 'error', code: errorCode });
    };
    await expectClosed(socketUrl(session.id, 'sb_not-a-key'), 4401, 'AUTHENTICATION_FAILED');
    await expectClosed(socketUrl(session.id), 4401, 'AUTHENTICATION_FAILED', { type: 'user_message', content: 'Hi' });
    await expectClosed(socketUrl(session.id, (await createApiKey(t, tenant, ['conversations:read'])).secret), 4403, 'INSUFFICIENT_PERMISSIONS');
    await expectClosed(socketUrl(session.id, (await createTenant(t)).token), 4404, 'RESOURCE_NOT_FOUND');
    await post(tenant.headers, `/sessions/${session.id}/end`);
    await expectClosed(socketUrl(session.id, tenant.token), 4409, 'CONFLICT');
  });

  it('applies the tenant\'s IP allow-list and suspension to sockets as to HTTP calls', async () => {
    const other = await createTenant(t);
    const otherAgent = await post(other.headers, '/agents', { name: 'Gatekeeper' });
    await post(other.headers, `/agents/${otherAgent.id}/publish`);
    const session = await post(other.headers, '/sessions', { agentId: otherAgent.id });
    const url = `${wsOrigin}/api/v1/chat/agents/${otherAgent.id}/ws/${session.id}?token=${encodeURIComponent(other.token)}`;
    const expectRefused = async (errorCode: string) => {
      const client = await connect(url);
      expect(await client.closed).toBe(4403);
      expect(client.frames.at(-1)).toMatchObject({ type: 'error', code: errorCode });
    };

    const listed = await t.app.inject({ method: 'PUT', url: '/api/v1/tenant', headers: other.headers, payload: { security: { ipAllowList: ['192.0.2.0/24'] } }, remoteAddress: '192.0.2.10' });
    expect(listed.statusCode, listed.body).toBe(200);
    await expectRefused('IP_NOT_ALLOWED');

    const cleared = await t.app.inject({ method: 'PUT', url: '/api/v1/tenant', headers: other.headers, payload: { security: { ipAllowList: [] } }, remoteAddress: '192.0.2.10' });
    expect(cleared.statusCode, cleared.body).toBe(200);
    const allowed = await connect(url);
    await allowed.until((frames) => frames.some((frame) => frame.type === 'connection_status'));
    allowed.socket.close();

    await t.container.modules.tenants.setStatus(other.id, 'suspended');
    await expectRefused('TENANT_SUSPENDED');
  });
});
