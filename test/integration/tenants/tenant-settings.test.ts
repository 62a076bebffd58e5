import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createApiKey, createTenant, createUser, type TestTenant } from '../../helpers/fixtures.js';

// The machine is shared: load-shedding (under-pressure) is off so a busy box
// cannot turn an assertion into a 503.
const APP_ENV = { MAX_EVENT_LOOP_DELAY_MS: '0' };

describe('GET/PUT /tenant', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: APP_ENV });
  });
  afterAll(() => t.close());

  const put = (tenant: Pick<TestTenant, 'headers'>, payload: unknown, remoteAddress?: string) =>
    t.app.inject({ method: 'PUT', url: '/api/v1/tenant', headers: tenant.headers, payload: payload as object, remoteAddress });
  const get = (tenant: Pick<TestTenant, 'headers'>, remoteAddress?: string) =>
    t.app.inject({ method: 'GET', url: '/api/v1/tenant', headers: tenant.headers, remoteAddress });

  it('returns the caller own tenant with every default filled in', async () => {
    const tenant = await createTenant(t);
    const response = await get(tenant);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().data).toMatchObject({
      id: tenant.id,
      name: tenant.name,
      status: 'active',
      settings: { timezone: 'UTC', language: 'en', dateFormat: 'YYYY-MM-DD', timeFormat: '24h', branding: { logoUrl: null } },
      security: {
        sessionTimeoutMinutes: 10_080,
        passwordPolicy: { minLength: 8, requireUppercase: true, requireLowercase: true, requireNumber: true, requireSymbol: false },
        ipAllowList: [],
      },
    });
  });

  it('merges an update, keeps fields not sent, and records the change in the audit log', async () => {
    const tenant = await createTenant(t);
    const first = await put(tenant, {
      name: 'Acme Support',
      settings: { timezone: 'Europe/Paris', language: 'fr-fr', branding: { primaryColor: '#ff0000', logoUrl: 'https://cdn.example.com/logo.png' } },
      security: { sessionTimeoutMinutes: 60, passwordPolicy: { minLength: 12, requireSymbol: true } },
    });
    expect(first.statusCode, first.body).toBe(200);
    const second = await put(tenant, { settings: { timeFormat: '12h' } });
    expect(second.statusCode, second.body).toBe(200);
    const data = (await get(tenant)).json().data;
    expect(data.name).toBe('Acme Support');
    expect(data.settings).toEqual({
      timezone: 'Europe/Paris',
      language: 'fr-FR',
      dateFormat: 'YYYY-MM-DD',
      timeFormat: '12h',
      branding: { primaryColor: '#ff0000', accentColor: '#6e7781', logoUrl: 'https://cdn.example.com/logo.png' },
    });
    expect(data.security.sessionTimeoutMinutes).toBe(60);
    expect(data.security.passwordPolicy).toEqual({ minLength: 12, requireUppercase: true, requireLowercase: true, requireNumber: true, requireSymbol: true });

    const audit = (await t.app.inject({ method: 'GET', url: '/api/v1/audit-logs?action=tenant.settings_updated', headers: tenant.headers })).json().data;
    expect(audit.pagination.total).toBe(2);
    const [latest, earlier] = audit.items;
    expect(latest.metadata.changes).toEqual({ 'settings.timeFormat': { from: '24h', to: '12h' } });
    expect(earlier.metadata.changes).toMatchObject({
      name: { from: tenant.name, to: 'Acme Support' },
      'settings.timezone': { from: 'UTC', to: 'Europe/Paris' },
      'security.passwordPolicy.minLength': { from: 8, to: 12 },
    });
    expect(earlier.actor.type).toBe('api_key');
    expect(earlier.target).toEqual({ type: 'tenant', id: tenant.id });
    expect(earlier.requestId).toBeTruthy();
  });

  it('rejects invalid settings with 400 and changes nothing', async () => {
    const tenant = await createTenant(t);
    const bad = [
      {},
      { settings: { timezone: 'Mars/Olympus_Mons' } },
      { settings: { language: '!!' } },
      { settings: { branding: { primaryColor: 'blue' } } },
      { settings: { branding: { logoUrl: 'javascript:alert(1)' } } },
      { security: { sessionTimeoutMinutes: 0 } },
      { security: { passwordPolicy: { minLength: 3 } } },
      { security: { ipAllowList: ['10.0.0.0/33'] } },
      { security: { ipAllowList: Array.from({ length: 101 }, (_, i) => `10.0.0.${i}`) } },
      { tenantId: tenant.id },
      { name: '' },
    ];
    for (const payload of bad) {
      const response = await put(tenant, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION_ERROR');
    }
    expect((await get(tenant)).json().data.settings.timezone).toBe('UTC');
  });

  it('needs tenant:update to change and tenant:read to read', async () => {
    const tenant = await createTenant(t);
    const reader = await createApiKey(t, tenant, ['tenant:read']);
    expect((await get(reader)).statusCode).toBe(200);
    const denied = await put(reader, { name: 'x' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('INSUFFICIENT_PERMISSIONS');
  });
});

describe('IP allow-list', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: APP_ENV });
  });
  afterAll(() => t.close());

  const call = (tenant: Pick<TestTenant, 'headers'>, remoteAddress: string, url = '/api/v1/labels') =>
    t.app.inject({ method: 'GET', url, headers: tenant.headers, remoteAddress });

  it('refuses to save a list that excludes the caller (422) and leaves the tenant open', async () => {
    const tenant = await createTenant(t);
    const response = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/tenant',
      headers: tenant.headers,
      payload: { security: { ipAllowList: ['10.0.0.0/8'] } },
      remoteAddress: '192.0.2.10',
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.code).toBe('UNPROCESSABLE_ENTITY');
    expect(response.json().error.message).toContain('192.0.2.10');
    expect((await call(tenant, '198.51.100.1')).statusCode).toBe(200);
  });

  it('enforces a saved list on every authenticated call, for every credential of the tenant', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    const saved = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/tenant',
      headers: tenant.headers,
      payload: { security: { ipAllowList: ['192.0.2.0/24', '2001:db8::/32', '198.51.100.7'] } },
      remoteAddress: '192.0.2.10',
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().data.security.ipAllowList).toEqual(['192.0.2.0/24', '2001:db8::/32', '198.51.100.7']);

    expect((await call(tenant, '192.0.2.200')).statusCode).toBe(200);
    expect((await call(tenant, '::ffff:192.0.2.5')).statusCode).toBe(200);
    expect((await call(tenant, '2001:db8:abcd::1')).statusCode).toBe(200);
    expect((await call(tenant, '198.51.100.7', '/api/v1/tenant')).statusCode).toBe(200);

    const scoped = await createApiKey(t, tenant, ['labels:read']);
    const member = await createUser(t, tenant, 'agent');
    expect((await call(member, '192.0.2.9', '/api/v1/auth/me')).statusCode).toBe(200);
    for (const [credential, ip, url] of [
      [member, '198.51.100.8', '/api/v1/labels'],
      [member, '198.51.100.8', '/api/v1/auth/me'],
      [tenant, '198.51.100.8', '/api/v1/labels'],
      [tenant, '203.0.113.1', '/api/v1/tenant'],
      [tenant, '2001:db9::1', '/api/v1/audit-logs'],
      [scoped, '10.1.1.1', '/api/v1/labels'],
    ] as const) {
      const response = await call(credential, ip, url);
      expect(response.statusCode, `${ip} ${url}`).toBe(403);
      expect(response.json().error.code).toBe('IP_NOT_ALLOWED');
    }
    // Another tenant without a list is unaffected; public routes are not gated.
    expect((await call(other, '203.0.113.1')).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/routes', remoteAddress: '203.0.113.1' })).statusCode).toBe(200);

    // Clearing the list (from an allowed address) opens the tenant again.
    const cleared = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/tenant',
      headers: tenant.headers,
      payload: { security: { ipAllowList: [] } },
      remoteAddress: '192.0.2.10',
    });
    expect(cleared.statusCode).toBe(200);
    expect((await call(tenant, '203.0.113.1')).statusCode).toBe(200);
  });
});
