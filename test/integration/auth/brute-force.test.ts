import { randomUUID } from 'node:crypto';

import type * as Argon2 from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { newEmail, register } from './auth-helpers.js';

// The real argon2, counted: whether a failed sign-in verified a hash is checked directly, not through timings.
const argon2Verifications = vi.hoisted(() => ({ count: 0 }));
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const argon2 = await importOriginal<typeof Argon2>();
  return {
    ...argon2,
    verify: (...args: Parameters<typeof argon2.verify>) => {
      argon2Verifications.count++;
      return argon2.verify(...args);
    },
  };
});

const wrongLogin = (t: TestApp, email: string, ip: string, password = 'Wrong-password-1') =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: ip });

const expect429 = (response: { statusCode: number; json: () => { error: { code: string } } }) => {
  expect(response.statusCode).toBe(429);
  expect(response.json().error.code).toBe('RATE_LIMIT_EXCEEDED');
};

describe('brute force: per-IP and per-account limits, constant-time checks', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_AUTH: '1000', AUTH_ACCOUNT_MAX_FAILURES: '3' } });
  });
  afterAll(() => t.close());

  it('locks an account after repeated failures, whichever addresses they come from, without locking others', async () => {
    const victim = await register(t);
    const bystander = await register(t);
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) expect((await wrongLogin(t, victim.user.email, ip)).statusCode).toBe(401);
    // Even the right password is refused while the account is locked.
    expect429(await wrongLogin(t, victim.user.email, '203.0.113.4', victim.password));
    expect((await wrongLogin(t, bystander.user.email, '203.0.113.4', bystander.password)).statusCode).toBe(200);
  });

  it('a successful sign-in clears the count', async () => {
    const user = await register(t);
    await wrongLogin(t, user.user.email, '198.51.100.1');
    await wrongLogin(t, user.user.email, '198.51.100.1');
    expect((await wrongLogin(t, user.user.email, '198.51.100.1', user.password)).statusCode).toBe(200);
    await wrongLogin(t, user.user.email, '198.51.100.1');
    await wrongLogin(t, user.user.email, '198.51.100.1');
    expect((await wrongLogin(t, user.user.email, '198.51.100.1', user.password)).statusCode).toBe(200);
  });

  it('limits password reset requests and registrations per address', async () => {
    const user = await register(t);
    const forgot = () => t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: user.user.email } });
    for (let i = 0; i < 3; i += 1) expect((await forgot()).statusCode).toBe(202);
    expect429(await forgot());

    const email = newEmail();
    const attempt = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: 'weak', firstName: 'A', lastName: 'B', tenantName: 'C' } });
    for (let i = 0; i < 3; i += 1) expect((await attempt()).statusCode).toBe(400);
    expect429(await attempt());
  });

  it('limits guessing reset codes', async () => {
    const guess = () => t.app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token: 'same-guess', password: 'Brand-new-Passw0rd' } });
    for (let i = 0; i < 3; i += 1) expect((await guess()).statusCode).toBe(400);
    expect429(await guess());
  });

  it('an unknown e-mail costs a password hash verification too, so timing does not reveal which accounts exist', async () => {
    const user = await register(t);
    await wrongLogin(t, newEmail(), '192.0.2.1'); // the dummy hash is made on first use
    for (const email of [newEmail(), user.user.email]) {
      const before = argon2Verifications.count;
      expect((await wrongLogin(t, email, '192.0.2.2')).statusCode).toBe(401);
      // argon2id verification is what a sign-in costs (~30 ms against ~1 ms for the rest): one either way.
      expect(argon2Verifications.count - before, email).toBe(1);
    }
  });
});

describe('per-IP limit on auth routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_AUTH: '4' } });
  });
  afterAll(() => t.close());

  it('answers 429 after RATE_LIMIT_AUTH sign-in calls from one address, across auth routes', async () => {
    const ip = '192.0.2.77';
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await wrongLogin(t, newEmail(), ip)).statusCode);
    statuses.push((await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: newEmail() }, remoteAddress: ip })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 202]);
    expect429(await wrongLogin(t, newEmail(), ip));
    expect((await wrongLogin(t, newEmail(), '192.0.2.78')).statusCode).toBe(401);
  });
});

describe('per-account counting through Redis', () => {
  it.runIf(process.env.TEST_REDIS_URL)('shares an account lock between two app instances', async () => {
    // Two embedded databases in one busy process: load shedding (under-pressure) must not answer for the limiter.
    const env = { REDIS_URL: process.env.TEST_REDIS_URL!, RATE_LIMIT_AUTH: '1000', AUTH_ACCOUNT_MAX_FAILURES: '2', MAX_EVENT_LOOP_DELAY_MS: '0' };
    const a = await createTestApp({ env });
    const b = await createTestApp({ env });
    try {
      const email = `redis-${randomUUID()}@example.test`;
      expect((await wrongLogin(a, email, '203.0.113.10')).statusCode).toBe(401);
      expect((await wrongLogin(b, email, '203.0.113.11')).statusCode).toBe(401);
      expect429(await wrongLogin(a, email, '203.0.113.12'));
      expect429(await wrongLogin(b, email, '203.0.113.13'));
    } finally {
      await a.close();
      await b.close();
    }
  }, 120_000);
});
