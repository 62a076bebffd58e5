import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { users } from '../../../src/db/schema.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, createUser, type TestTenant, type TestUser } from '../../helpers/fixtures.js';

// The machine is shared: load-shedding (under-pressure) is off so a busy box
// cannot turn an assertion into a 503.
const APP_ENV = { MAX_EVENT_LOOP_DELAY_MS: '0' };

describe('platform admin: /admin/tenants', () => {
  let t: TestApp;
  let admin: TestUser;
  let adminTenantId: string;
  beforeAll(async () => {
    t = await createTestApp({ env: APP_ENV });
    const home = await createTenant(t);
    adminTenantId = home.id;
    admin = await createUser(t, home, 'viewer');
    await setPlatformAdmin(admin.id, true);
  });
  afterAll(() => t.close());

  const setPlatformAdmin = (userId: string, value: boolean) =>
    t.container.database.db.update(users).set({ isPlatformAdmin: value }).where(eq(users.id, userId));

  const call = (method: 'GET' | 'PATCH' | 'POST', url: string, headers: Record<string, string>, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers, payload });

  it('admits only a platform admin user token; tenant owners, API keys and anonymous callers are refused', async () => {
    const tenant = await createTenant(t);
    const owner = await createUser(t, tenant, 'owner');
    expect((await call('GET', '/admin/tenants', admin.headers)).statusCode).toBe(200);
    for (const [label, headers, status, code] of [
      ['owner user token', owner.headers, 403, 'INSUFFICIENT_PERMISSIONS'],
      ['all-scopes API key', tenant.headers, 403, 'INSUFFICIENT_PERMISSIONS'],
      ['no token', {}, 401, 'AUTHENTICATION_FAILED'],
      ['garbage token', { authorization: 'Bearer nope' }, 401, 'AUTHENTICATION_FAILED'],
    ] as const) {
      for (const [method, url] of [['GET', '/admin/tenants'], ['GET', `/admin/tenants/${tenant.id}`], ['POST', `/admin/tenants/${tenant.id}/suspend`], ['PATCH', `/admin/tenants/${tenant.id}`]] as const) {
        const response = await call(method, url, headers, method === 'PATCH' ? { name: 'hijacked' } : undefined);
        expect(response.statusCode, `${label} ${method} ${url}`).toBe(status);
        expect(response.json().error.code).toBe(code);
      }
    }
    expect((await call('GET', '/tenant', tenant.headers)).json().data).toMatchObject({ name: tenant.name, status: 'active' });
  });

  it('applies a revoked platform right at once', async () => {
    const home = await createTenant(t);
    const operator = await createUser(t, home, 'owner');
    await setPlatformAdmin(operator.id, true);
    expect((await call('GET', '/admin/tenants', operator.headers)).statusCode).toBe(200);
    await setPlatformAdmin(operator.id, false);
    expect((await call('GET', '/admin/tenants', operator.headers)).statusCode).toBe(403);
  });

  it('lists every tenant with pagination, search and status filters', async () => {
    const marker = `Zebra ${Date.now()}`;
    const tenants: TestTenant[] = [];
    for (const suffix of ['one', 'two', 'three']) {
      const tenant = await createTenant(t);
      await call('PATCH', `/admin/tenants/${tenant.id}`, admin.headers, { name: `${marker} ${suffix}` });
      tenants.push(tenant);
    }
    await createUser(t, tenants[0]!, 'agent');
    await call('POST', `/admin/tenants/${tenants[1]!.id}/suspend`, admin.headers);

    const search = encodeURIComponent(marker.toLowerCase());
    const all = (await call('GET', `/admin/tenants?search=${search}`, admin.headers)).json().data;
    expect(all.pagination).toEqual({ page: 1, limit: 20, total: 3, pages: 1 });
    expect(all.items.map((item: { name: string }) => item.name)).toEqual([`${marker} three`, `${marker} two`, `${marker} one`]);
    expect(all.items.find((item: { id: string }) => item.id === tenants[0]!.id).memberCount).toBe(1);

    const page = (await call('GET', `/admin/tenants?search=${search}&limit=2&page=2`, admin.headers)).json().data;
    expect(page.pagination).toEqual({ page: 2, limit: 2, total: 3, pages: 2 });
    expect(page.items).toHaveLength(1);

    const suspended = (await call('GET', `/admin/tenants?search=${search}&status=suspended`, admin.headers)).json().data;
    expect(suspended.items.map((item: { id: string }) => item.id)).toEqual([tenants[1]!.id]);

    const byId = (await call('GET', `/admin/tenants?search=${tenants[2]!.id}`, admin.headers)).json().data;
    expect(byId.items.map((item: { id: string }) => item.id)).toEqual([tenants[2]!.id]);

    const wide = (await call('GET', '/admin/tenants?limit=100', admin.headers)).json().data;
    expect(wide.pagination.total).toBeGreaterThanOrEqual(4);
    for (const bad of ['limit=101', 'page=0', 'status=deleted', 'limit=abc']) {
      expect((await call('GET', `/admin/tenants?${bad}`, admin.headers)).statusCode, bad).toBe(400);
    }
  });

  it('gets and updates the tenant named in the path, never the admin own tenant', async () => {
    const tenant = await createTenant(t);
    const got = await call('GET', `/admin/tenants/${tenant.id}`, admin.headers);
    expect(got.statusCode).toBe(200);
    expect(got.json().data).toMatchObject({ id: tenant.id, name: tenant.name, status: 'active', memberCount: 0 });

    const updated = await call('PATCH', `/admin/tenants/${tenant.id}`, admin.headers, { name: 'Renamed by ops', settings: { timezone: 'Asia/Tokyo' } });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json().data).toMatchObject({ id: tenant.id, name: 'Renamed by ops', settings: { timezone: 'Asia/Tokyo' } });
    const home = (await call('GET', `/admin/tenants/${adminTenantId}`, admin.headers)).json().data;
    expect(home.name).not.toBe('Renamed by ops');

    expect((await call('GET', '/admin/tenants/00000000-0000-7000-8000-000000000000', admin.headers)).statusCode).toBe(404);
    expect((await call('GET', '/admin/tenants/not-a-uuid', admin.headers)).statusCode).toBe(400);
    expect((await call('PATCH', `/admin/tenants/${tenant.id}`, admin.headers, { settings: { timezone: 'Nowhere/Land' } })).statusCode).toBe(400);

    const audit = (await call('GET', '/audit-logs?action=tenant.updated', tenant.headers)).json().data;
    expect(audit.items[0]).toMatchObject({
      actor: { type: 'user', id: admin.id },
      target: { type: 'tenant', id: tenant.id },
      metadata: { platformAdmin: true, changes: { name: { to: 'Renamed by ops' }, 'settings.timezone': { from: 'UTC', to: 'Asia/Tokyo' } } },
    });
  });

  it('rescues a tenant locked out by its IP allow-list', async () => {
    const tenant = await createTenant(t);
    const saved = await t.app.inject({ method: 'PUT', url: '/api/v1/tenant', headers: tenant.headers, payload: { security: { ipAllowList: ['192.0.2.1'] } }, remoteAddress: '192.0.2.1' });
    expect(saved.statusCode).toBe(200);
    // The address changed (new office): the tenant is locked out; the platform admin is not held to its list.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/tenant', headers: tenant.headers, remoteAddress: '198.51.100.9' })).statusCode).toBe(403);
    const rescued = await t.app.inject({ method: 'PATCH', url: `/api/v1/admin/tenants/${tenant.id}`, headers: admin.headers, payload: { security: { ipAllowList: [] } }, remoteAddress: '203.0.113.50' });
    expect(rescued.statusCode, rescued.body).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/tenant', headers: tenant.headers, remoteAddress: '198.51.100.9' })).statusCode).toBe(200);
  });

  it('suspends and reactivates: API keys and user tokens of the tenant get 403 TENANT_SUSPENDED in between', async () => {
    const tenant = await createTenant(t);
    const member = await createUser(t, tenant, 'admin');
    const other = await createTenant(t);
    const probes = [
      ['api key', tenant.headers, '/labels'],
      ['user token', member.headers, '/labels'],
      ['user token on self-service', member.headers, '/auth/me'],
    ] as const;
    for (const [label, headers, url] of probes) expect((await call('GET', url, headers)).statusCode, label).toBe(200);

    const suspended = await call('POST', `/admin/tenants/${tenant.id}/suspend`, admin.headers, { reason: 'unpaid invoice' });
    expect(suspended.statusCode, suspended.body).toBe(200);
    expect(suspended.json().data.status).toBe('suspended');
    for (const [label, headers, url] of probes) {
      const response = await call('GET', url, headers);
      expect(response.statusCode, label).toBe(403);
      expect(response.json().error.code, label).toBe('TENANT_SUSPENDED');
    }
    expect((await call('GET', '/labels', other.headers)).statusCode).toBe(200);
    // Idempotent: a second suspend changes nothing and writes no second audit entry.
    expect((await call('POST', `/admin/tenants/${tenant.id}/suspend`, admin.headers)).statusCode).toBe(200);

    const reactivated = await call('POST', `/admin/tenants/${tenant.id}/reactivate`, admin.headers);
    expect(reactivated.json().data.status).toBe('active');
    for (const [label, headers, url] of probes) expect((await call('GET', url, headers)).statusCode, label).toBe(200);

    const audit = (await call('GET', '/audit-logs?targetType=tenant', tenant.headers)).json().data.items as { action: string; actor: { id: string }; metadata: Record<string, unknown> }[];
    expect(audit.map((entry) => entry.action)).toEqual(['tenant.reactivated', 'tenant.suspended']);
    expect(audit[1]).toMatchObject({ actor: { id: admin.id }, metadata: { reason: 'unpaid invoice', platformAdmin: true } });
  });

  it('reads audit entries across tenants and the platform-wide ones; tenant credentials cannot', async () => {
    const tenant = await createTenant(t);
    const owner = await createUser(t, tenant, 'owner');
    await call('POST', `/admin/tenants/${tenant.id}/suspend`, admin.headers, { reason: 'audit probe' });
    await t.container.modules.audit.record(t.container.database.db, { tenantId: null, actor: { type: 'user', id: admin.id }, action: 'probe.platform_event' });

    const ofTenant = (await call('GET', `/admin/audit-logs?tenantId=${tenant.id}&action=tenant.*`, admin.headers)).json().data;
    expect(ofTenant.items.map((entry: { action: string; tenantId: string }) => [entry.action, entry.tenantId])).toEqual([['tenant.suspended', tenant.id]]);
    const platform = (await call('GET', '/admin/audit-logs?tenantId=platform&action=probe.platform_event', admin.headers)).json().data;
    expect(platform.items).toHaveLength(1);
    expect(platform.items[0]).toMatchObject({ tenantId: null, actor: { id: admin.id } });
    expect((await call('GET', '/admin/audit-logs?tenantId=nope', admin.headers)).statusCode).toBe(400);
    await call('POST', `/admin/tenants/${tenant.id}/reactivate`, admin.headers);
    for (const headers of [owner.headers, tenant.headers]) expect((await call('GET', '/admin/audit-logs', headers)).statusCode).toBe(403);
    // The tenant's own log never shows platform-wide entries.
    expect((await call('GET', '/audit-logs?action=probe.*', tenant.headers)).json().data.items).toEqual([]);
  });

  it('keeps working when the admin own tenant is suspended, so it can be reactivated', async () => {
    const home = await createTenant(t);
    const operator = await createUser(t, home, 'owner');
    await setPlatformAdmin(operator.id, true);
    expect((await call('POST', `/admin/tenants/${home.id}/suspend`, operator.headers)).statusCode).toBe(200);
    expect((await call('GET', '/tenant', operator.headers)).json().error.code).toBe('TENANT_SUSPENDED');
    expect((await call('POST', `/admin/tenants/${home.id}/reactivate`, operator.headers)).statusCode).toBe(200);
    expect((await call('GET', '/tenant', operator.headers)).statusCode).toBe(200);
  });
});
