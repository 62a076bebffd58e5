import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createApiKey, createTenant, type TestTenant } from '../../helpers/fixtures.js';

describe('labels', () => {
  let t: TestApp;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await createTestApp();
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers = tenant.headers) =>
    t.app.inject({ method, url, payload, headers });

  it('creates, reads, updates and deletes a label', async () => {
    const created = await call('POST', '/api/v1/labels', { name: '  Refund  ', description: 'money back' });
    expect(created.statusCode).toBe(201);
    const label = created.json().data;
    expect(label).toMatchObject({ name: 'Refund', color: '#6e7781', description: 'money back' });

    expect((await call('GET', `/api/v1/labels/${label.id}`)).json().data).toEqual(label);

    const updated = await call('PATCH', `/api/v1/labels/${label.id}`, { color: '#1f6feb', description: null });
    expect(updated.json().data).toMatchObject({ name: 'Refund', color: '#1f6feb', description: null });
    expect(new Date(updated.json().data.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(label.updatedAt).getTime());

    expect((await call('DELETE', `/api/v1/labels/${label.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/labels/${label.id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v1/labels/${label.id}`)).statusCode).toBe(404);
  });

  it('refuses a duplicate name, case-insensitively, with 409 CONFLICT', async () => {
    await call('POST', '/api/v1/labels', { name: 'Urgent' });
    const duplicate = await call('POST', '/api/v1/labels', { name: 'urgent' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error.code).toBe('CONFLICT');
    const other = await call('POST', '/api/v1/labels', { name: 'Renamed' });
    const rename = await call('PATCH', `/api/v1/labels/${other.json().data.id}`, { name: 'URGENT' });
    expect(rename.statusCode).toBe(409);
  });

  it('lets two tenants use the same name', async () => {
    const other = await createTenant(t);
    await call('POST', '/api/v1/labels', { name: 'Shared' });
    expect((await call('POST', '/api/v1/labels', { name: 'Shared' }, other.headers)).statusCode).toBe(201);
  });

  it('paginates and searches, treating LIKE wildcards literally', async () => {
    const own = await createTenant(t);
    for (const name of ['alpha', 'beta', 'gamma', 'delta', '100%_sure']) {
      await call('POST', '/api/v1/labels', { name }, own.headers);
    }
    const page = (await call('GET', '/api/v1/labels?page=2&limit=2', undefined, own.headers)).json().data;
    expect(page.pagination).toEqual({ page: 2, limit: 2, total: 5, pages: 3 });
    expect(page.items.map((item: { name: string }) => item.name)).toEqual(['beta', 'delta']);
    const search = (await call('GET', '/api/v1/labels?search=%25_', undefined, own.headers)).json().data;
    expect(search.items.map((item: { name: string }) => item.name)).toEqual(['100%_sure']);
    expect((await call('GET', '/api/v1/labels?limit=101', undefined, own.headers)).statusCode).toBe(400);
    expect((await call('GET', '/api/v1/labels?page=0', undefined, own.headers)).statusCode).toBe(400);
  });

  it('validates ids and bodies with 400, never 500', async () => {
    expect((await call('GET', '/api/v1/labels/not-a-uuid')).statusCode).toBe(400);
    expect((await call('PATCH', '/api/v1/labels/0190a0a0-0000-7000-8000-000000000001', {})).statusCode).toBe(400);
    expect((await call('POST', '/api/v1/labels', { name: 'x'.repeat(65) })).statusCode).toBe(400);
  });

  it('lets a read-only key read but not write', async () => {
    const reader = await createApiKey(t, tenant, ['labels:read']);
    expect((await call('GET', '/api/v1/labels', undefined, reader.headers)).statusCode).toBe(200);
    const denied = await call('POST', '/api/v1/labels', { name: 'nope' }, reader.headers);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('INSUFFICIENT_PERMISSIONS');
  });
});
