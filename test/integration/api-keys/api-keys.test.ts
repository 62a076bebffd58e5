import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditLogs } from '../../../src/db/schema.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, createUser, type TestTenant } from '../../helpers/fixtures.js';

describe('api keys', () => {
  let t: TestApp;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_EVENT_LOOP_DELAY_MS: '0' } });
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = tenant.headers) =>
    t.app.inject({ method, url, payload, headers });

  it('shows the secret once, lists and gets it masked, and the key works with exactly its scopes', async () => {
    const admin = await createUser(t, tenant, 'admin');
    const created = await call('POST', '/api/v1/api-keys', { name: 'CRM sync', scopes: ['labels:read', 'labels:write'] }, admin.headers);
    expect(created.statusCode, created.body).toBe(201);
    const key = created.json().data;
    expect(key.secret).toMatch(/^sb_[A-Za-z0-9_-]{40,}$/);
    expect(key).toMatchObject({ name: 'CRM sync', prefix: key.secret.slice(0, 10), status: 'active', createdBy: admin.id, expiresAt: null });

    const listed = (await call('GET', '/api/v1/api-keys')).json().data;
    expect(listed.items.map((item: { id: string }) => item.id)).toContain(key.id);
    const got = await call('GET', `/api/v1/api-keys/${key.id}`);
    expect(got.json().data).toMatchObject({ id: key.id, prefix: key.prefix, scopes: ['labels:read', 'labels:write'] });
    for (const body of [JSON.stringify(listed), got.body]) expect(body).not.toContain(key.secret);

    const asKey = { authorization: `Bearer ${key.secret}` };
    expect((await call('POST', '/api/v1/labels', { name: 'via-key' }, asKey)).statusCode).toBe(201);
    expect((await call('GET', '/api/v1/users', undefined, asKey)).statusCode).toBe(403);
    expect((await call('GET', `/api/v1/api-keys/${key.id}`)).json().data.lastUsedAt).not.toBeNull();

    const audit = await t.database.db.select().from(auditLogs).where(and(eq(auditLogs.tenantId, tenant.id), eq(auditLogs.targetId, key.id)));
    expect(audit.map((row) => row.action)).toEqual(['api_key.created']);
  });

  it('refuses scopes beyond the creator, unknown scopes and past expiry', async () => {
    const agent = await createUser(t, tenant, 'agent');
    const withAgent = (payload: object) => call('POST', '/api/v1/api-keys', payload, agent.headers);
    // agents lack api-keys:write entirely
    expect((await withAgent({ name: 'x', scopes: ['labels:read'] })).statusCode).toBe(403);

    const admin = await createUser(t, tenant, 'admin');
    const beyond = await call('POST', '/api/v1/api-keys', { name: 'x', scopes: ['labels:read', 'tenant:update'] }, admin.headers);
    expect(beyond.statusCode).toBe(403);
    expect(beyond.json().error.details.exceeding).toEqual(['tenant:update']);
    expect((await call('POST', '/api/v1/api-keys', { name: 'x', scopes: ['*'] }, admin.headers)).statusCode).toBe(403);
    expect((await call('POST', '/api/v1/api-keys', { name: 'x', scopes: ['labels:*'] }, admin.headers)).statusCode).toBe(201);
    expect((await call('POST', '/api/v1/api-keys', { name: 'x', scopes: ['tenant:*'] }, admin.headers)).statusCode).toBe(403);

    const unknown = await call('POST', '/api/v1/api-keys', { name: 'x', scopes: ['labels:reed'] });
    expect(unknown.statusCode).toBe(400);
    expect((await call('POST', '/api/v1/api-keys', { name: 'x', scopes: [] })).statusCode).toBe(400);
    expect((await call('POST', '/api/v1/api-keys', { name: 'x', scopes: ['labels:read'], expiresAt: '2001-01-01T00:00:00Z' })).statusCode).toBe(400);
  });

  it('revokes immediately and keeps the first revocation time', async () => {
    const key = (await call('POST', '/api/v1/api-keys', { name: 'temp', scopes: ['labels:read'] })).json().data;
    const asKey = { authorization: `Bearer ${key.secret}` };
    expect((await call('GET', '/api/v1/labels', undefined, asKey)).statusCode).toBe(200);

    const revoked = await call('DELETE', `/api/v1/api-keys/${key.id}`);
    expect(revoked.json().data).toMatchObject({ status: 'revoked' });
    expect((await call('GET', '/api/v1/labels', undefined, asKey)).statusCode).toBe(401);
    const again = await call('DELETE', `/api/v1/api-keys/${key.id}`);
    expect(again.json().data.revokedAt).toBe(revoked.json().data.revokedAt);
  });

  it('honours the expiry and hides keys of other tenants', async () => {
    const soon = new Date(Date.now() + 1500).toISOString();
    const key = (await call('POST', '/api/v1/api-keys', { name: 'short', scopes: ['labels:read'], expiresAt: soon })).json().data;
    expect(key.expiresAt).toBe(soon);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await call('GET', '/api/v1/labels', undefined, { authorization: `Bearer ${key.secret}` })).statusCode).toBe(401);
    expect((await call('GET', `/api/v1/api-keys/${key.id}`)).json().data.status).toBe('expired');

    const other = await createTenant(t);
    expect((await call('GET', `/api/v1/api-keys/${key.id}`, undefined, other.headers)).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v1/api-keys/${key.id}`, undefined, other.headers)).statusCode).toBe(404);
  });
});
