import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { queryRows } from '../../../src/db/client.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, createUser } from '../../helpers/fixtures.js';
import { AUTH_TEST_ENV, bearer, lastMail, login, mailbox, me, newEmail, refresh, register, STRONG_PASSWORD } from './auth-helpers.js';

const verifyPath = (text: string) => /\/api\/v1\/auth\/email\/verify\/[0-9a-f-]+\/[A-Za-z0-9_-]+/.exec(text)?.[0];
const resetCode = (text: string) => /\n\n([A-Za-z0-9_-]{43})\n\n/.exec(text)?.[1];

describe('e-mail verification and passwords, mail read from the dev mailbox', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: AUTH_TEST_ENV });
  });
  afterAll(() => t.close());

  it('register mails a verification link; it verifies once; resend replaces it', async () => {
    const session = await register(t);
    const mail = await lastMail(t, session.user.email);
    expect(mail).toMatchObject({ transport: 'dev', status: 'stored', subject: 'Confirm your e-mail address', tenantId: session.user.tenantId });
    const first = verifyPath(mail.textBody)!;
    expect(first).toContain(session.user.id);

    const resent = await t.app.inject({ method: 'POST', url: '/api/v1/auth/email/resend', headers: bearer(session.tokens.accessToken) });
    expect(resent.statusCode).toBe(200);
    const second = verifyPath((await lastMail(t, session.user.email)).textBody)!;
    expect(second).not.toBe(first);
    // The older link was replaced by the new one.
    expect((await t.app.inject({ method: 'GET', url: first })).statusCode).toBe(400);

    const wrongUser = second.replace(session.user.id, '00000000-0000-4000-8000-000000000000');
    expect((await t.app.inject({ method: 'GET', url: wrongUser })).statusCode).toBe(400);

    const verified = await t.app.inject({ method: 'GET', url: second });
    expect(verified.statusCode).toBe(200);
    expect(verified.json().data).toEqual({ verified: true });
    expect((await me(t, session.tokens.accessToken)).json().data.isEmailVerified).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: second })).statusCode).toBe(400);
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/auth/email/resend', headers: bearer(session.tokens.accessToken) });
    expect(again.statusCode).toBe(409);
  });

  it('forgot + reset: same answer for unknown addresses, single-use code, every session ends', async () => {
    const session = await register(t);
    const unknown = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: newEmail() } });
    const known = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: session.user.email } });
    expect([unknown.statusCode, known.statusCode]).toEqual([202, 202]);
    expect(unknown.json().data).toEqual(known.json().data);

    const mail = await lastMail(t, session.user.email);
    expect(mail.subject).toBe('Reset your password');
    const code = resetCode(mail.textBody)!;
    expect(code).toBeDefined();

    const weak = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token: code, password: 'weak' } });
    expect(weak.statusCode).toBe(400);
    // A rejected password spent the code: ask for a new one.
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: session.user.email } });
    const code2 = resetCode((await lastMail(t, session.user.email)).textBody)!;
    const reset = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token: code2, password: 'Brand-new-Passw0rd' } });
    expect(reset.statusCode, reset.body).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token: code2, password: 'Another-Passw0rd' } })).statusCode).toBe(400);

    expect((await login(t, { email: session.user.email, password: STRONG_PASSWORD })).statusCode).toBe(401);
    expect((await login(t, { email: session.user.email, password: 'Brand-new-Passw0rd' })).statusCode).toBe(200);
    expect((await me(t, session.tokens.accessToken)).statusCode).toBe(401);
    expect((await refresh(t, session.tokens.refreshToken)).statusCode).toBe(401);
  });

  it('a reset code expires after one hour', async () => {
    const session = await register(t);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: session.user.email } });
    const code = resetCode((await lastMail(t, session.user.email)).textBody)!;
    const [row] = await queryRows<{ is_one_hour: boolean }>(
      t.database.db,
      sql`select expires_at - created_at > interval '59 minutes' and expires_at - created_at <= interval '60 minutes' as is_one_hour from user_tokens where user_id = ${session.user.id} and purpose = 'password_reset'`,
    );
    expect(row!.is_one_hour).toBe(true);
    await t.database.db.execute(sql`update user_tokens set expires_at = now() - interval '1 second' where user_id = ${session.user.id} and purpose = 'password_reset'`);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token: code, password: 'Brand-new-Passw0rd' } })).statusCode).toBe(400);
  });

  it('password update needs the current password and signs out every other session', async () => {
    const session = await register(t);
    const other = (await login(t, { email: session.user.email, password: STRONG_PASSWORD })).json().data.tokens;
    const wrong = await t.app.inject({ method: 'PUT', url: '/api/v1/auth/password', headers: bearer(session.tokens.accessToken), payload: { currentPassword: 'Nope-nope-1', newPassword: 'Fresh-Passw0rd-x' } });
    expect(wrong.statusCode).toBe(400);
    const updated = await t.app.inject({ method: 'PUT', url: '/api/v1/auth/password', headers: bearer(session.tokens.accessToken), payload: { currentPassword: STRONG_PASSWORD, newPassword: 'Fresh-Passw0rd-x' } });
    expect(updated.statusCode, updated.body).toBe(200);
    expect((await me(t, session.tokens.accessToken)).statusCode).toBe(200);
    expect((await refresh(t, session.tokens.refreshToken)).statusCode).toBe(200);
    expect((await me(t, other.accessToken)).statusCode).toBe(401);
    expect((await refresh(t, other.refreshToken)).statusCode).toBe(401);
    expect((await login(t, { email: session.user.email, password: 'Fresh-Passw0rd-x' })).statusCode).toBe(200);
  });

  it("validate scores a password against the caller's tenant policy, or the default one", async () => {
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/validate', payload: { password: 'abcdefgh' } });
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json().data).toMatchObject({ isValid: false, reasons: expect.arrayContaining(['must contain an uppercase letter', 'must contain a number']) });
    const strong = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/validate', payload: { password: 'Tr0ub4dor&3-horse-staple' } });
    expect(strong.json().data).toEqual({ isValid: true, score: 4, reasons: [] });
    const common = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/validate', payload: { password: 'Password123' } });
    expect(common.json().data).toMatchObject({ isValid: false, score: 0, reasons: ['is a commonly used password'] });

    const tenant = await createTenant(t);
    await t.database.db.execute(sql`update tenants set security = ${JSON.stringify({ passwordPolicy: { minLength: 16, requireSymbol: true } })}::jsonb where id = ${tenant.id}`);
    const user = await createUser(t, tenant, 'agent', { password: 'A-long-enough-passw0rd!' });
    const strict = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/validate', headers: user.headers, payload: { password: 'ShortPassw0rd' } });
    expect(strict.json().data.reasons).toEqual(expect.arrayContaining(['must be at least 16 characters long', 'must contain a symbol']));
    // The same policy applies when that member changes their password.
    const update = await t.app.inject({ method: 'PUT', url: '/api/v1/auth/password', headers: user.headers, payload: { currentPassword: 'A-long-enough-passw0rd!', newPassword: 'ShortPassw0rd' } });
    expect(update.statusCode).toBe(400);
  });

  it('registration sends exactly one mail', async () => {
    const session = await register(t);
    expect(await mailbox(t, session.user.email)).toHaveLength(1);
  });
});
