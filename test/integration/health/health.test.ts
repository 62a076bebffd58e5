import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant } from '../../helpers/fixtures.js';

describe('health, metrics and OpenAPI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RUN_MODES: 'api,worker' } });
  });
  afterAll(() => t.close());

  it('is live, and ready only once the worker runs', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).json().data.status).toBe('ok');
    const notReady = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json().error.details.checks.worker).toEqual({ ok: false, detail: 'worker not running' });
    await t.container.worker.start();
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().data).toMatchObject({ ready: true, db: t.database.kind, checks: { migrations: { ok: true } } });
    await t.container.worker.stop(1000);
  });

  it('reports database latency, queue depth and oldest job age, and disk in the deep check', async () => {
    await t.container.queue.enqueue(t.database.db, 'jobs.prune', {}, { runAt: new Date(Date.now() - 5000) });
    const deep = (await t.app.inject({ method: 'GET', url: '/health/deep' })).json().data;
    expect(deep.db.ok).toBe(true);
    expect(deep.db.latencyMs).toBeGreaterThanOrEqual(0);
    expect(deep.queue.queued).toBeGreaterThanOrEqual(1);
    expect(deep.queue.oldestQueuedAgeSeconds).toBeGreaterThanOrEqual(4);
    expect(deep.disk.freeBytes).toBeGreaterThan(0);
    expect(deep.redis).toEqual({ ok: true, detail: 'not configured' });
  });

  it('exposes Prometheus metrics by route template, with event-loop lag, queue depth and pool stats', async () => {
    const tenant = await createTenant(t);
    await t.app.inject({ method: 'GET', url: '/api/v1/labels/0190a0a0-0000-7000-8000-000000000001', headers: tenant.headers });
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.body;
    expect(text).toMatch(/switchboard_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/v1\/labels\/:id",status_code="404"\}/);
    expect(text).toContain('switchboard_nodejs_eventloop_lag_p99_seconds');
    expect(text).toMatch(/switchboard_jobs_queue_depth\{name="jobs.prune",state="queued"\} \d+/);
    expect(text).toMatch(/switchboard_db_pool_connections\{state="total"\} \d+/);
  });

  it('serves a valid OpenAPI 3 document with an operationId and tags on every operation', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeTruthy();
    const operations = Object.values(document.paths as Record<string, Record<string, { operationId?: string; tags?: string[] }>>).flatMap(
      (path) => Object.values(path),
    );
    expect(operations.length).toBeGreaterThan(8);
    for (const operation of operations) {
      expect(operation.operationId).toBeTruthy();
      expect(operation.tags?.length).toBeGreaterThan(0);
    }
    expect(document.paths['/api/v1/labels'].post.security).toEqual([{ bearerAuth: [] }]);
  });

  it('serves the browsable reference at /docs', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('swagger-ui');
  });
});
