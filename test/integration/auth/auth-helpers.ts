import { randomUUID } from 'node:crypto';

import { desc, sql } from 'drizzle-orm';
import { expect } from 'vitest';

import { mailMessages } from '../../../src/db/schema.js';
import type { TestApp } from '../../helpers/build-test-app.js';

/** Auth suites make many sign-in calls from one address; the per-IP limit has its own test (brute-force). */
export const AUTH_TEST_ENV = { RATE_LIMIT_AUTH: '10000' };

export const STRONG_PASSWORD = 'Correct-Horse-7-battery';

export const newEmail = () => `person-${randomUUID().slice(0, 12)}@example.test`;

export type Session = {
  user: { id: string; email: string; tenantId: string; roles: string[]; permissions: string[]; isEmailVerified: boolean; tenants: { id: string; name: string }[] };
  tokens: { accessToken: string; refreshToken: string; expiresIn: number };
};

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export const register = async (t: TestApp, overrides: Partial<Record<'email' | 'password' | 'tenantName', string>> = {}) => {
  const payload = { email: newEmail(), password: STRONG_PASSWORD, firstName: 'Ada', lastName: 'Lovelace', tenantName: 'Analytical Engines', ...overrides };
  const response = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload });
  expect(response.statusCode, response.body).toBe(201);
  return { ...(response.json().data as Session), password: payload.password };
};

export const login = (t: TestApp, payload: { email: string; password: string; tenantId?: string }, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload, headers });

export const refresh = (t: TestApp, refreshToken: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });

export const me = (t: TestApp, accessToken: string) => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(accessToken) });

/** The dev mailbox (mail_messages), newest first. */
export const mailbox = (t: TestApp, address: string) =>
  t.database.db.select().from(mailMessages).where(sql`lower(${mailMessages.toAddress}) = lower(${address})`).orderBy(desc(mailMessages.createdAt), desc(mailMessages.id));

export const lastMail = async (t: TestApp, address: string) => {
  const [mail] = await mailbox(t, address);
  expect(mail, `a mail to ${address}`).toBeDefined();
  return mail!;
};
