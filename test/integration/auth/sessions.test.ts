import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { queryRows } from '../../../src/db/client.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, createUser } from '../../helpers/fixtures.js';
import { AUTH_TEST_ENV, bearer, login, me, newEmail, refresh, register, STRONG_PASSWORD } from './auth-helpers.js';

describe('register, login, refresh, logout, me', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: AUTH_TEST_ENV });
  });
  afterAll(() => t.close());

  it('register creates the tenant, its owner and a session; the password is stored as argon2id', async () => {
    const session = await register(t, { email: 'Mixed.Case@Example.test', tenantName: 'Lovelace Ltd' });
    expect(session.user).toMatchObject({ email: 'mixed.case@example.test', roles: ['owner'], isEmailVerified: false });
    expect(session.user.tenants).toEqual([{ id: session.user.tenantId, name: 'Lovelace Ltd' }]);
    expect(session.user.permissions).toContain('tenant:update');
    expect(session.tokens.expiresIn).toBe(900);
    expect(session.tokens.refreshToken).toMatch(/^sbr_/);

    const [stored] = await queryRows<{ password_hash: string }>(t.database.db, sql`select password_hash from users where id = ${session.user.id}`);
    expect(stored!.password_hash).toMatch(/^\$argon2id\$/);
    const refreshRows = await queryRows<{ token_hash: string }>(t.database.db, sql`select token_hash from refresh_tokens where user_id = ${session.user.id}`);
    expect(refreshRows).toHaveLength(1);
    expect(refreshRows[0]!.token_hash).not.toContain(session.tokens.refreshToken);

    const profile = await me(t, session.tokens.accessToken);
    expect(profile.statusCode).toBe(200);
    expect(profile.json().data).toMatchObject({ id: session.user.id, tenantId: session.user.tenantId, roles: ['owner'] });

    // The owner's token works on tenant routes, scoped to the new tenant.
    const labels = await t.app.inject({ method: 'POST', url: '/api/v1/labels', headers: bearer(session.tokens.accessToken), payload: { name: 'vip' } });
    expect(labels.statusCode).toBe(201);
  });

  it('register refuses a taken e-mail (409), a weak password and bad input (400)', async () => {
    const session = await register(t);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: session.user.email.toUpperCase(), password: STRONG_PASSWORD, firstName: 'A', lastName: 'B', tenantName: 'C' },
    });
    expect(again.statusCode).toBe(409);
    const weak = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: newEmail(), password: 'short', firstName: 'A', lastName: 'B', tenantName: 'C' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.details.fields[0].reasons).toContain('must be at least 8 characters long');
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'not-an-email', password: STRONG_PASSWORD } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_ERROR');
  });

  it('login: right password signs in, wrong password and unknown e-mail get the same 401, both audited', async () => {
    const session = await register(t);
    const ok = await login(t, { email: session.user.email, password: STRONG_PASSWORD });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().data.user.tenantId).toBe(session.user.tenantId);

    const wrong = await login(t, { email: session.user.email, password: 'Wrong-password-1' });
    const unknown = await login(t, { email: newEmail(), password: 'Wrong-password-1' });
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json().error.message).toBe(unknown.json().error.message);

    const audit = await t.app.inject({ method: 'GET', url: '/api/v1/audit-logs?action=auth.*', headers: bearer(ok.json().data.tokens.accessToken) });
    expect(audit.statusCode).toBe(200);
    const actions = (audit.json().data.items as { action: string }[]).map((item) => item.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.registered', 'auth.sign_in', 'auth.sign_in_failed']));
  });

  it('login picks the tenant from tenantId when the user belongs to several, and only tenants they belong to', async () => {
    const tenantA = await createTenant(t);
    const tenantB = await createTenant(t);
    const outsider = await createTenant(t);
    const user = await createUser(t, tenantA, 'viewer');
    await t.container.database.db.execute(sql`insert into memberships (id, tenant_id, user_id) values (gen_random_uuid(), ${tenantB.id}, ${user.id})`);
    await t.container.database.db.execute(sql`insert into user_roles (tenant_id, user_id, role_id) select ${tenantB.id}, ${user.id}, id from roles where tenant_id = ${tenantB.id} and key = 'admin'`);

    const first = await login(t, { email: user.email, password: user.password });
    expect(first.json().data.user.tenantId).toBe(tenantA.id);
    expect(first.json().data.user.tenants.map((tenant: { id: string }) => tenant.id)).toEqual([tenantA.id, tenantB.id]);

    const second = await login(t, { email: user.email, password: user.password, tenantId: tenantB.id });
    expect(second.statusCode).toBe(200);
    expect(second.json().data.user).toMatchObject({ tenantId: tenantB.id, roles: ['admin'] });

    // The tenant comes only from the credential: the token for B reads B's labels, not A's.
    await t.app.inject({ method: 'POST', url: '/api/v1/labels', headers: tenantA.headers, payload: { name: 'only-in-a' } });
    const labelsInB = await t.app.inject({ method: 'GET', url: '/api/v1/labels', headers: bearer(second.json().data.tokens.accessToken) });
    expect(labelsInB.json().data.items).toEqual([]);

    const notMember = await login(t, { email: user.email, password: user.password, tenantId: outsider.id });
    expect(notMember.statusCode).toBe(401);
  });

  it('refresh rotates: each refresh token works once, and reusing one revokes the whole family', async () => {
    const session = await register(t);
    const first = await refresh(t, session.tokens.refreshToken);
    expect(first.statusCode).toBe(200);
    const second = first.json().data.tokens;
    expect(second.refreshToken).not.toBe(session.tokens.refreshToken);
    expect((await me(t, second.accessToken)).statusCode).toBe(200);

    const third = await refresh(t, second.refreshToken);
    expect(third.statusCode).toBe(200);
    const latest = third.json().data.tokens;

    // Replaying the first (used) token: refused, and every token of the family dies with it.
    const replay = await refresh(t, session.tokens.refreshToken);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.message).toContain('already used');
    expect((await refresh(t, latest.refreshToken)).statusCode).toBe(401);
    expect((await me(t, latest.accessToken)).statusCode).toBe(401);

    // Another session of the same user is untouched.
    const other = await login(t, { email: session.user.email, password: STRONG_PASSWORD });
    expect((await refresh(t, other.json().data.tokens.refreshToken)).statusCode).toBe(200);

    expect((await refresh(t, 'sbr_made-up')).statusCode).toBe(401);
  });

  it('logout revokes the session and denies the access token until it expires', async () => {
    const session = await register(t);
    const other = (await login(t, { email: session.user.email, password: STRONG_PASSWORD })).json().data.tokens;
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(session.tokens.accessToken) });
    expect(out.statusCode).toBe(204);
    expect((await me(t, session.tokens.accessToken)).statusCode).toBe(401);
    expect((await refresh(t, session.tokens.refreshToken)).statusCode).toBe(401);
    const [denied] = await queryRows<{ expires_at: Date }>(t.database.db, sql`select expires_at from revoked_tokens`);
    expect(new Date(denied!.expires_at).getTime()).toBeGreaterThan(Date.now());
    // The other session stays signed in.
    expect((await me(t, other.accessToken)).statusCode).toBe(200);
  });

  it('tokens/revoke ends the session of a refresh or an access token, and answers the same for garbage', async () => {
    const session = await register(t);
    const revokeRefresh = await t.app.inject({ method: 'POST', url: '/api/v1/auth/tokens/revoke', payload: { token: session.tokens.refreshToken } });
    expect(revokeRefresh.statusCode).toBe(200);
    expect((await refresh(t, session.tokens.refreshToken)).statusCode).toBe(401);
    expect((await me(t, session.tokens.accessToken)).statusCode).toBe(401);

    const other = (await login(t, { email: session.user.email, password: STRONG_PASSWORD })).json().data.tokens;
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/tokens/revoke', payload: { token: other.accessToken } })).statusCode).toBe(200);
    expect((await me(t, other.accessToken)).statusCode).toBe(401);
    expect((await refresh(t, other.refreshToken)).statusCode).toBe(401);

    const garbage = await t.app.inject({ method: 'POST', url: '/api/v1/auth/tokens/revoke', payload: { token: 'nonsense' } });
    expect(garbage.statusCode).toBe(200);
  });

  it('self-service routes need a user token: no credentials 401, an API key 403', async () => {
    const tenant = await createTenant(t);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
    const withKey = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: tenant.headers });
    expect(withKey.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: tenant.headers })).statusCode).toBe(403);
  });

  it('a deactivated membership or a suspended tenant stops the access token and the refresh', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, 'admin');
    expect((await me(t, user.accessToken)).statusCode).toBe(200);
    await t.database.db.execute(sql`update memberships set is_active = false where user_id = ${user.id}`);
    expect((await me(t, user.accessToken)).statusCode).toBe(401);
    expect((await refresh(t, user.refreshToken)).statusCode).toBe(401);

    const other = await createUser(t, tenant, 'agent');
    await t.container.modules.tenants.setStatus(tenant.id, 'suspended');
    const suspended = await t.app.inject({ method: 'GET', url: '/api/v1/labels', headers: other.headers });
    expect(suspended.statusCode).toBe(403);
    expect(suspended.json().error.code).toBe('TENANT_SUSPENDED');
    const suspendedLogin = await login(t, { email: other.email, password: other.password });
    expect(suspendedLogin.statusCode).toBe(403);
    expect((await refresh(t, other.refreshToken)).statusCode).toBe(401);
  });

  it('the hourly auth.prune job deletes expired denylist entries, refresh tokens and mailed tokens', async () => {
    const session = await register(t);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(session.tokens.accessToken) });
    const counts = async () =>
      (
        await queryRows<{ denied: number; refresh: number; mailed: number }>(
          t.database.db,
          sql`select (select count(*)::int from revoked_tokens) as denied,
                     (select count(*)::int from refresh_tokens where user_id = ${session.user.id}) as refresh,
                     (select count(*)::int from user_tokens where user_id = ${session.user.id}) as mailed`,
        )
      )[0]!;
    expect(await counts()).toEqual({ denied: expect.any(Number), refresh: 1, mailed: 1 });
    expect((await counts()).denied).toBeGreaterThan(0);
    await t.database.db.execute(sql`update revoked_tokens set expires_at = now() - interval '1 second'`);
    await t.database.db.execute(sql`update refresh_tokens set expires_at = now() - interval '2 days' where user_id = ${session.user.id}`);
    await t.database.db.execute(sql`update user_tokens set expires_at = now() - interval '1 second' where user_id = ${session.user.id}`);

    await t.container.queue.enqueue(t.database.db, 'auth.prune', {});
    await t.container.worker.pollOnce();
    await t.container.worker.drain();
    expect(await counts()).toEqual({ denied: 0, refresh: 0, mailed: 0 });
  });

  it('createUser fixture: a signed-in member whose role decides what the token may do', async () => {
    const tenant = await createTenant(t);
    const viewer = await createUser(t, tenant, 'viewer');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/labels', headers: viewer.headers })).statusCode).toBe(200);
    const write = await t.app.inject({ method: 'POST', url: '/api/v1/labels', headers: viewer.headers, payload: { name: 'x' } });
    expect(write.statusCode).toBe(403);
    expect((await login(t, { email: viewer.email, password: viewer.password })).statusCode).toBe(200);
  });
});
