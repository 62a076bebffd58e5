import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { queryRows } from '../../../src/db/client.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { startFakeLlmServer, type FakeLlmServer } from '../../helpers/fake-llm-server.js';
import { createApiKey, createTenant, type TestTenant } from '../../helpers/fixtures.js';

const SECRET = 'sk-live-0123456789abcdefWXYZ';

describe('AI provider credentials', () => {
  let t: TestApp;
  let fake: FakeLlmServer;
  let tenant: TestTenant;
  const bodies: string[] = [];
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) => {
    const response = await t.app.inject({ method, url: `/api/v1${url}`, headers: tenant.headers, payload });
    bodies.push(response.body);
    return response;
  };

  beforeAll(async () => {
    fake = await startFakeLlmServer({ apiKey: SECRET, models: ['llama3', 'qwen2'] });
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: fake.hostPort, MAX_EVENT_LOOP_DELAY_MS: '0' } });
    tenant = await createTenant(t);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('stores the key sealed, answers with a mask only, and lists, updates and deletes', async () => {
    const created = await call('POST', '/ai-providers', { name: 'Local', provider: 'openai-compatible', baseUrl: fake.baseUrl, apiKey: SECRET, defaultModel: 'llama3' });
    expect(created.statusCode).toBe(201);
    const provider = created.json().data;
    expect(provider).toMatchObject({ name: 'Local', provider: 'openai-compatible', baseUrl: fake.baseUrl, hasApiKey: true, apiKeyMasked: '••••WXYZ', defaultModel: 'llama3' });

    const [row] = await queryRows<{ api_key_sealed: string }>(t.database.db, sql`SELECT api_key_sealed FROM ai_providers WHERE id = ${provider.id}`);
    expect(row!.api_key_sealed).toMatch(/^v1\./);
    expect(row!.api_key_sealed).not.toContain(SECRET);
    expect(row!.api_key_sealed).not.toContain(Buffer.from(SECRET).toString('base64url'));

    expect((await call('GET', '/ai-providers')).json().data).toMatchObject({ items: [{ id: provider.id }], pagination: { total: 1 } });
    expect((await call('GET', `/ai-providers/${provider.id}`)).json().data.apiKeyMasked).toBe('••••WXYZ');
    const renamed = await call('PATCH', `/ai-providers/${provider.id}`, { name: 'Ollama', apiKey: 'short-key' });
    expect(renamed.json().data).toMatchObject({ name: 'Ollama', hasApiKey: true, apiKeyMasked: '••••' });
    const cleared = await call('PATCH', `/ai-providers/${provider.id}`, { apiKey: null });
    expect(cleared.json().data).toMatchObject({ hasApiKey: false, apiKeyMasked: null });

    expect((await call('DELETE', `/ai-providers/${provider.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/ai-providers/${provider.id}`)).statusCode).toBe(404);
  });

  it('tests a credential against the provider and records the outcome', async () => {
    const good = (await call('POST', '/ai-providers', { name: 'Good', provider: 'openai-compatible', baseUrl: fake.baseUrl, apiKey: SECRET })).json().data;
    const tested = await call('POST', `/ai-providers/${good.id}/test`);
    expect(tested.json().data).toMatchObject({ ok: true, models: ['llama3', 'qwen2'] });
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect((await call('GET', `/ai-providers/${good.id}`)).json().data).toMatchObject({ lastCheckOk: true, lastCheckedAt: expect.any(String) });

    const anthropic = (await call('POST', '/ai-providers', { name: 'Claude', provider: 'anthropic', baseUrl: fake.baseUrl, apiKey: 'sk-ant-wrong-key-123456' })).json().data;
    expect((await call('POST', `/ai-providers/${anthropic.id}/test`)).json().data).toMatchObject({ ok: false, status: 401, models: [] });
    expect((await call('GET', `/ai-providers/${anthropic.id}`)).json().data.lastCheckOk).toBe(false);

    // The outbound policy applies: an address that is not allow-listed is refused without a connection.
    const blocked = (await call('POST', '/ai-providers', { name: 'Metadata', provider: 'openai-compatible', baseUrl: 'http://169.254.169.254/v1' })).json().data;
    expect((await call('POST', `/ai-providers/${blocked.id}/test`)).json().data).toMatchObject({ ok: false, error: expect.stringMatching(/not allowed/) });
  });

  it('refuses incomplete or invalid credentials with 400 and duplicate names with 409', async () => {
    for (const payload of [
      { name: 'A', provider: 'openai' },
      { name: 'B', provider: 'openai-compatible' },
      { name: 'C', provider: 'gemini', apiKey: 'x' },
      { name: 'D', provider: 'openai-compatible', baseUrl: 'ftp://example.com' },
      { name: '', provider: 'anthropic', apiKey: 'x' },
    ]) {
      const response = await call('POST', '/ai-providers', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION_ERROR');
    }
    const openai = (await call('POST', '/ai-providers', { name: 'OpenAI', provider: 'openai', apiKey: SECRET })).json().data;
    expect((await call('PATCH', `/ai-providers/${openai.id}`, { apiKey: null })).statusCode).toBe(400);
    expect((await call('POST', '/ai-providers', { name: 'openai', provider: 'openai', apiKey: SECRET })).statusCode).toBe(409);
  });

  it('needs ai-providers permissions: agents:write alone cannot read keys', async () => {
    const key = await createApiKey(t, tenant, ['agents:write', 'agents:read']);
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/ai-providers', headers: key.headers });
    expect(response.statusCode).toBe(403);
  });

  it('never returned the secret in any response', () => {
    expect(bodies.length).toBeGreaterThan(10);
    for (const body of bodies) expect(body).not.toContain(SECRET);
  });
});
