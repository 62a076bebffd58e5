import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { withTx } from '../../../src/db/tx.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createApiKey, createTenant } from '../../helpers/fixtures.js';

// The machine is shared: load-shedding (under-pressure) is off so a busy box
// cannot turn an assertion into a 503.
const APP_ENV = { MAX_EVENT_LOOP_DELAY_MS: '0' };

type AuditItem = { action: string; actor: { type: string; id: string | null }; target: { type: string; id: string } | null; metadata: Record<string, unknown>; createdAt: string };

describe('audit log', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: APP_ENV });
  });
  afterAll(() => t.close());

  const list = async (headers: Record<string, string>, query = '') => {
    const response = await t.app.inject({ method: 'GET', url: `/api/v1/audit-logs${query}`, headers });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().data as { items: AuditItem[]; pagination: { page: number; limit: number; total: number; pages: number } };
  };

  it('lists only the tenant own entries, newest first, with filters and pagination', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    const { audit } = t.container.modules;
    const db = t.container.database.db;
    await audit.record(db, { tenantId: tenant.id, actor: { type: 'user', id: 'u1' }, action: 'auth.login', ip: '10.0.0.1', requestId: 'r1' });
    await audit.record(db, { tenantId: tenant.id, actor: { type: 'user', id: 'u2' }, action: 'auth.login_failed' });
    await audit.record(db, {
      tenantId: tenant.id,
      actor: { type: 'api_key', id: 'k1' },
      action: 'api_key.created',
      target: { type: 'api_key', id: 'k2' },
      metadata: { name: 'ci', secret: 'sb_live_should_never_be_stored' },
    });
    await audit.record(db, { tenantId: other.id, actor: { type: 'user', id: 'u9' }, action: 'auth.login' });

    const all = await list(tenant.headers);
    expect(all.pagination).toEqual({ page: 1, limit: 20, total: 3, pages: 1 });
    expect(all.items.map((item) => item.action)).toEqual(['api_key.created', 'auth.login_failed', 'auth.login']);
    expect(all.items[0]!.target).toEqual({ type: 'api_key', id: 'k2' });
    expect(all.items[0]!.metadata).toEqual({ name: 'ci', secret: '[redacted]' });
    expect(JSON.stringify(all)).not.toContain('sb_live_should_never_be_stored');

    expect((await list(tenant.headers, '?action=auth.login')).items.map((item) => item.actor.id)).toEqual(['u1']);
    expect((await list(tenant.headers, '?action=auth.*')).pagination.total).toBe(2);
    expect((await list(tenant.headers, '?actorType=api_key')).items.map((item) => item.action)).toEqual(['api_key.created']);
    expect((await list(tenant.headers, '?actorId=u2')).items.map((item) => item.action)).toEqual(['auth.login_failed']);
    expect((await list(tenant.headers, '?targetType=api_key&targetId=k2')).pagination.total).toBe(1);

    const page2 = await list(tenant.headers, '?limit=2&page=2');
    expect(page2.pagination).toEqual({ page: 2, limit: 2, total: 3, pages: 2 });
    expect(page2.items.map((item) => item.action)).toEqual(['auth.login']);

    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await list(tenant.headers, `?from=${encodeURIComponent(future)}`)).pagination.total).toBe(0);
    expect((await list(tenant.headers, `?to=${encodeURIComponent(future)}`)).pagination.total).toBe(3);
  });

  it('commits the entry with the change: a rolled-back transaction leaves no audit row', async () => {
    const tenant = await createTenant(t);
    await withTx(t.container.database.db, async (tx) => {
      await t.container.modules.audit.record(tx, { tenantId: tenant.id, actor: { type: 'system', id: 'x' }, action: 'kept' });
    });
    await expect(
      withTx(t.container.database.db, async (tx) => {
        await t.container.modules.audit.record(tx, { tenantId: tenant.id, actor: { type: 'system', id: 'x' }, action: 'rolled_back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await list(tenant.headers)).items.map((item) => item.action)).toEqual(['kept']);
  });

  it('rejects bad filters with 400 and a credential without audit:read with 403', async () => {
    const tenant = await createTenant(t);
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/audit-logs?from=yesterday&limit=500', headers: tenant.headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_ERROR');
    const weak = await createApiKey(t, tenant, ['labels:read']);
    const denied = await t.app.inject({ method: 'GET', url: '/api/v1/audit-logs', headers: weak.headers });
    expect(denied.statusCode).toBe(403);
  });
});
