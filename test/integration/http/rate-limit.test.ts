import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';

describe('rate limiting', () => {
  let t: TestApp;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_GENERAL: '3', RATE_LIMIT_WINDOW_MS: '60000' } });
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  const list = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/v1/labels', headers });

  it('counts down in headers, then answers 429 RATE_LIMIT_EXCEEDED with Retry-After', async () => {
    const first = await list(tenant.headers);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    expect(first.headers['x-ratelimit-window']).toBe('60');
    expect(Number(first.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    await list(tenant.headers);
    await list(tenant.headers);
    const limited = await list(tenant.headers);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ success: false, error: { code: 'RATE_LIMIT_EXCEEDED', details: { limit: 3 } } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
  });

  it('keys by credential: another API key has its own budget', async () => {
    const other = await createTenant(t);
    expect((await list(other.headers)).statusCode).toBe(200);
  });

  it('never limits health probes', async () => {
    for (let i = 0; i < 6; i += 1) expect((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });
});

describe('rate limiting across processes', () => {
  it.runIf(process.env.TEST_REDIS_URL)('shares counters through Redis so two app instances enforce one limit', async () => {
    const redis = new Redis(process.env.TEST_REDIS_URL!);
    // A unique client IP per run keeps earlier runs' counters out of this one.
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    await redis.del(`switchboard:ratelimit:general|ip:${ip}`);
    redis.disconnect();
    const env = { REDIS_URL: process.env.TEST_REDIS_URL!, RATE_LIMIT_GENERAL: '2', TRUST_PROXY: 'true' };
    const a = await createTestApp({ env });
    const b = await createTestApp({ env });
    try {
      const routes = (instance: TestApp) =>
        instance.app.inject({ method: 'GET', url: '/api/v1/routes', headers: { 'x-forwarded-for': ip } });
      const statuses = [await routes(a), await routes(b), await routes(a)].map((response) => response.statusCode);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
