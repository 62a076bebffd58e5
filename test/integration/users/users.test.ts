import { randomUUID } from 'node:crypto';

import { desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { mailMessages, users } from '../../../src/db/schema.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, createUser, type TestTenant } from '../../helpers/fixtures.js';

const PASSWORD = 'Correct-Horse-7-battery';
const newEmail = () => `member-${randomUUID().slice(0, 12)}@example.test`;

describe('users in a tenant', () => {
  let t: TestApp;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_AUTH: '10000' } });
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = tenant.headers) =>
    t.app.inject({ method, url, payload, headers });
  const login = (email: string, password: string, tenantId = tenant.id) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password, tenantId } });
  const lastMail = async (address: string) =>
    (await t.database.db.select().from(mailMessages).where(sql`lower(${mailMessages.toAddress}) = lower(${address})`).orderBy(desc(mailMessages.createdAt)))[0];

  it('creates a user with a password who can then sign in with their role', async () => {
    const email = newEmail();
    const created = await call('POST', '/api/v1/users', { email: email.toUpperCase(), firstName: 'Grace', lastName: 'Hopper', roleKey: 'agent', password: PASSWORD });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().data).toMatchObject({ email, firstName: 'Grace', roles: ['agent'], isActive: true, hasPassword: true });
    expect(created.body).not.toMatch(/argon2|passwordHash/);

    const session = await login(email, PASSWORD);
    expect(session.statusCode, session.body).toBe(200);
    expect(session.json().data.user.roles).toEqual(['agent']);

    expect((await call('POST', '/api/v1/users', { email, firstName: 'G', lastName: 'H', roleKey: 'agent' })).statusCode).toBe(409);
    expect((await call('POST', '/api/v1/users', { email: newEmail(), firstName: 'G', lastName: 'H', roleKey: 'nope' })).statusCode).toBe(400);
    const weak = await call('POST', '/api/v1/users', { email: newEmail(), firstName: 'G', lastName: 'H', roleKey: 'agent', password: 'password1' });
    expect(weak.statusCode).toBe(400);
  });

  it('without a password, mails a set-password code that works with the reset flow', async () => {
    const email = newEmail();
    const created = await call('POST', '/api/v1/users', { email, firstName: 'Alan', lastName: 'Turing', roleKey: 'viewer' });
    expect(created.json().data.hasPassword).toBe(false);
    const mail = await lastMail(email);
    expect(mail!.subject).toMatch(/choose a password/);
    const code = /\n\n([A-Za-z0-9_-]{40,})\n/.exec(mail!.textBody)![1]!;

    const reset = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token: code, password: PASSWORD } });
    expect(reset.statusCode, reset.body).toBe(200);
    expect((await login(email, PASSWORD)).statusCode).toBe(200);
  });

  it('lists with role, active and search filters and paginates', async () => {
    const own = await createTenant(t);
    const make = (firstName: string, roleKey: string) =>
      call('POST', '/api/v1/users', { email: newEmail(), firstName, lastName: 'Lister', roleKey }, own.headers).then((r) => r.json().data);
    const [ann, bob, cid] = [await make('Ann', 'agent'), await make('Bob', 'viewer'), await make('Cid', 'agent')];
    await call('PATCH', `/api/v1/users/${cid.id}/status`, { isActive: false }, own.headers);
    const list = async (query: string) => (await call('GET', `/api/v1/users?${query}`, undefined, own.headers)).json().data;

    expect((await list('')).items.map((u: { firstName: string }) => u.firstName)).toEqual(['Ann', 'Bob', 'Cid']);
    expect((await list('role=agent')).items.map((u: { id: string }) => u.id)).toEqual([ann.id, cid.id]);
    expect((await list('isActive=false')).items.map((u: { id: string }) => u.id)).toEqual([cid.id]);
    expect((await list('search=bob%20lis')).items.map((u: { id: string }) => u.id)).toEqual([bob.id]);
    expect((await list(`search=${encodeURIComponent(ann.email.slice(0, 15))}`)).items.map((u: { id: string }) => u.id)).toEqual([ann.id]);
    const page = await list('limit=2&page=2');
    expect(page.items.map((u: { id: string }) => u.id)).toEqual([cid.id]);
    expect(page.pagination).toEqual({ page: 2, limit: 2, total: 3, pages: 2 });
    expect((await call('GET', '/api/v1/users?isActive=maybe', undefined, own.headers)).statusCode).toBe(400);
  });

  it('gets and updates a member, and never sees users of another tenant', async () => {
    const member = await createUser(t, tenant, 'viewer');
    expect((await call('GET', `/api/v1/users/${member.id}`)).json().data.email).toBe(member.email);
    const updated = await call('PATCH', `/api/v1/users/${member.id}`, { firstName: 'Renamed', phone: '+44 20 7946 0000' });
    expect(updated.json().data).toMatchObject({ firstName: 'Renamed', phone: '+44 20 7946 0000' });

    const other = await createTenant(t);
    for (const [method, url, body] of [
      ['GET', `/api/v1/users/${member.id}`],
      ['PATCH', `/api/v1/users/${member.id}`, { firstName: 'Hijack' }],
      ['PATCH', `/api/v1/users/${member.id}/status`, { isActive: false }],
      ['DELETE', `/api/v1/users/${member.id}`],
    ] as const) {
      expect((await call(method, url, body, other.headers)).statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await call('GET', '/api/v1/users', undefined, other.headers)).json().data.items).toEqual([]);
    expect((await call('GET', `/api/v1/users/${member.id}`)).json().data.firstName).toBe('Renamed');
  });

  it('deactivation blocks sign-in and the access token; reactivation restores it', async () => {
    const member = await createUser(t, tenant, 'agent');
    expect((await call('GET', '/api/v1/labels', undefined, member.headers)).statusCode).toBe(200);
    expect((await call('PATCH', `/api/v1/users/${member.id}/status`, { isActive: false })).json().data.isActive).toBe(false);
    expect((await call('GET', '/api/v1/labels', undefined, member.headers)).statusCode).toBe(401);
    expect((await login(member.email, member.password)).statusCode).toBeGreaterThanOrEqual(400);
    expect((await call('PATCH', `/api/v1/users/${member.id}/status`, { isActive: true })).json().data.isActive).toBe(true);
    expect((await login(member.email, member.password)).statusCode).toBe(200);
  });

  it('delete removes the membership; the account survives while another tenant holds it', async () => {
    const shared = await createUser(t, tenant, 'viewer');
    const second = await createTenant(t);
    // The account joins the second tenant through an invitation it accepts with its password.
    const invite = await call('POST', '/api/v1/team/invitations', { email: shared.email, roleKey: 'viewer' }, second.headers);
    const token = /token=([A-Za-z0-9_%-]+)/.exec((await lastMail(shared.email))!.textBody)![1]!;
    expect(invite.statusCode).toBe(201);
    const accepted = await t.app.inject({ method: 'POST', url: '/api/v1/team/invitations/accept', payload: { token: decodeURIComponent(token), password: shared.password } });
    expect(accepted.statusCode, accepted.body).toBe(200);

    // Shared with another tenant: this tenant may not rename the account.
    expect((await call('PATCH', `/api/v1/users/${shared.id}`, { firstName: 'Mine' })).statusCode).toBe(409);
    expect((await call('DELETE', `/api/v1/users/${shared.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/users/${shared.id}`)).statusCode).toBe(404);
    expect((await t.database.db.select().from(users).where(eq(users.id, shared.id))).length).toBe(1);
    expect((await login(shared.email, shared.password, second.id)).statusCode).toBe(200);

    const alone = await createUser(t, tenant, 'viewer');
    expect((await call('DELETE', `/api/v1/users/${alone.id}`)).statusCode).toBe(204);
    expect((await t.database.db.select().from(users).where(eq(users.id, alone.id))).length).toBe(0);
  });

  it('the last owner cannot be removed or deactivated; an admin cannot touch an owner', async () => {
    const own = await createTenant(t);
    const owner = await createUser(t, own, 'owner');
    for (const response of [
      await call('DELETE', `/api/v1/users/${owner.id}`, undefined, own.headers),
      await call('PATCH', `/api/v1/users/${owner.id}/status`, { isActive: false }, own.headers),
      await call('DELETE', `/api/v1/team/members/${owner.id}`, undefined, own.headers),
      await call('PUT', `/api/v1/team/members/${owner.id}/role`, { roleKey: 'admin' }, own.headers),
    ]) {
      expect(response.statusCode, response.body).toBe(409);
      expect(response.json().error.code).toBe('CONFLICT');
    }
    const admin = await createUser(t, own, 'admin');
    expect((await call('PATCH', `/api/v1/users/${owner.id}/status`, { isActive: false }, admin.headers)).statusCode).toBe(403);
    expect((await call('DELETE', `/api/v1/users/${owner.id}`, undefined, admin.headers)).statusCode).toBe(403);

    const heir = await createUser(t, own, 'owner');
    expect((await call('PATCH', `/api/v1/users/${owner.id}/status`, { isActive: false }, own.headers)).statusCode).toBe(200);
    // The remaining active owner is now the last one.
    expect((await call('DELETE', `/api/v1/users/${heir.id}`, undefined, own.headers)).statusCode).toBe(409);
  });

  it('two concurrent removals of the last two owners: exactly one succeeds', async () => {
    const own = await createTenant(t);
    const [first, second] = [await createUser(t, own, 'owner'), await createUser(t, own, 'owner')];
    const results = await Promise.all([
      call('DELETE', `/api/v1/users/${first.id}`, undefined, own.headers),
      call('PATCH', `/api/v1/users/${second.id}/status`, { isActive: false }, own.headers),
    ]);
    expect(results.filter((response) => response.statusCode < 300)).toHaveLength(1);
    expect(results.filter((response) => response.statusCode === 409)).toHaveLength(1);
    const owners = (await call('GET', '/api/v1/users?role=owner&isActive=true', undefined, own.headers)).json().data;
    expect(owners.pagination.total).toBe(1);
  });

  it('updates the caller’s own profile; an API key has no profile', async () => {
    const member = await createUser(t, tenant, 'viewer');
    const profile = await call('PUT', '/api/v1/users/me/profile', { firstName: 'Me', avatarUrl: 'https://cdn.example.test/me.png', phone: '+1 555 0100' }, member.headers);
    expect(profile.statusCode, profile.body).toBe(200);
    expect(profile.json().data).toMatchObject({ id: member.id, firstName: 'Me', avatarUrl: 'https://cdn.example.test/me.png', phone: '+1 555 0100' });
    expect((await call('PUT', '/api/v1/users/me/profile', { avatarUrl: 'javascript:alert(1)' }, member.headers)).statusCode).toBe(400);
    expect((await call('PUT', '/api/v1/users/me/profile', {}, member.headers)).statusCode).toBe(400);
    expect((await call('PUT', '/api/v1/users/me/profile', { firstName: 'Key' })).statusCode).toBe(403);
  });
});
