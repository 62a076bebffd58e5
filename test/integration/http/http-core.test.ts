import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';

describe('HTTP core', () => {
  let t: TestApp;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await createTestApp({ env: { BODY_LIMIT_BYTES: '2048', CORS_ORIGINS: 'https://shop.example' } });
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  it('wraps data in the success envelope with request id and timestamp', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health' });
    const body = response.json();
    expect(response.statusCode).toBe(200);
    expect(body).toMatchObject({ success: true, data: { status: 'ok' } });
    expect(body.requestId).toBe(response.headers['x-request-id']);
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
  });

  it('echoes a valid X-Request-ID and replaces an unsafe one', async () => {
    const echoed = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'trace-abc.123' } });
    expect(echoed.headers['x-request-id']).toBe('trace-abc.123');
    expect(echoed.json().requestId).toBe('trace-abc.123');
    const unsafe = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'bad id\r\nx: y' } });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with a JSON 404 envelope', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/nope?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ success: false, error: { code: 'RESOURCE_NOT_FOUND', message: 'Route GET /api/v1/nope not found' } });
  });

  it('rejects schema violations with 400 VALIDATION_ERROR and field details', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/labels', headers: tenant.headers, payload: { name: '', color: 'red' } });
    expect(response.statusCode).toBe(400);
    const { error } = response.json();
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details.fields.map((field: { path: string }) => field.path).sort()).toEqual(['color', 'name']);
  });

  it('rejects malformed JSON with 400, not 500', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/labels',
      headers: { ...tenant.headers, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_ERROR');
  });

  it('rejects an unsupported content type with 415', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/labels',
      headers: { ...tenant.headers, 'content-type': 'application/x-thing' },
      payload: 'name=x',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('rejects a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/labels',
      headers: tenant.headers,
      payload: { name: 'x', description: 'y'.repeat(4096) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ success: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('sends security headers and honours the CORS allow-list', async () => {
    const allowed = await t.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://shop.example' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(allowed.headers['x-content-type-options']).toBe('nosniff');
    expect(allowed.headers['content-security-policy']).toContain("default-src 'none'");
    const denied = await t.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rejects a malformed Authorization header with 401', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/labels', headers: { authorization: 'Basic abc' } });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('AUTHENTICATION_FAILED');
  });

  it('lists routes with their operation ids and permissions', async () => {
    const routes = (await t.app.inject({ method: 'GET', url: '/api/v1/routes' })).json().data;
    expect(routes).toContainEqual(expect.objectContaining({ method: 'POST', url: '/api/v1/labels', operationId: 'createLabel', permission: 'labels:write' }));
    expect(routes.every((route: { operationId?: string }) => route.operationId)).toBe(true);
  });
});

describe('unknown failures', () => {
  it('become a 500 envelope naming the request id, with no stack in the body', async () => {
    const t = await createTestApp();
    const tenant = await createTenant(t);
    // The database going away mid-flight is the realistic unknown failure.
    await t.database.close();
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/labels', headers: { ...tenant.headers, 'x-request-id': 'req-500' } });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ success: false, error: { code: 'INTERNAL_ERROR', message: 'Internal server error (request req-500)' } });
    expect(response.body).not.toMatch(/at .*\.(ts|js):\d+/);
    await t.app.close();
  });
});
