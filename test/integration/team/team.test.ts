import { randomUUID } from 'node:crypto';

import { and, desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditLogs, invitations, mailMessages } from '../../../src/db/schema.js';
import { sha256Hex } from '../../../src/lib/crypto.js';
import { BUILTIN_ROLES } from '../../../src/modules/rbac/permissions.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, createUser, type TestTenant } from '../../helpers/fixtures.js';

const PASSWORD = 'Correct-Horse-7-battery';
const newEmail = () => `invitee-${randomUUID().slice(0, 12)}@example.test`;

describe('team: invitations, members, stats, permission matrix', () => {
  let t: TestApp;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_AUTH: '10000' } });
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = tenant.headers) =>
    t.app.inject({ method, url, payload, headers });
  const accept = (payload: object) => t.app.inject({ method: 'POST', url: '/api/v1/team/invitations/accept', payload });
  const invite = (email: string, roleKey = 'agent', headers = tenant.headers) => call('POST', '/api/v1/team/invitations', { email, roleKey }, headers);
  /** The token as the invitee receives it: from the dev mailbox. */
  const mailedToken = async (address: string) => {
    const [mail] = await t.database.db
      .select()
      .from(mailMessages)
      .where(sql`lower(${mailMessages.toAddress}) = lower(${address})`)
      .orderBy(desc(mailMessages.createdAt), desc(mailMessages.id));
    return decodeURIComponent(/accept-invitation\?token=([^\s]+)/.exec(mail!.textBody)![1]!);
  };

  it('a new person accepts with the mailed token, gets an account and the role, and can sign in', async () => {
    const email = newEmail();
    const invited = await invite(email);
    expect(invited.statusCode, invited.body).toBe(201);
    expect(invited.json().data).toMatchObject({ email, role: { key: 'agent' }, status: 'pending' });
    const expiresIn = new Date(invited.json().data.expiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(6.9 * 24 * 3600_000);
    expect(expiresIn).toBeLessThanOrEqual(7 * 24 * 3600_000);

    const token = await mailedToken(email);
    // Only the hash is stored.
    const [row] = await t.database.db.select().from(invitations).where(eq(invitations.id, invited.json().data.id));
    expect(row!.tokenHash).toBe(sha256Hex(token));
    expect(invited.body).not.toContain(token);

    expect((await accept({ token, password: PASSWORD })).statusCode).toBe(400);
    const accepted = await accept({ token, password: PASSWORD, firstName: 'New', lastName: 'Person' });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json().data).toMatchObject({ tenantId: tenant.id, role: 'agent', isNewAccount: true });
    expect((await accept({ token, password: PASSWORD, firstName: 'New', lastName: 'Person' })).statusCode).toBe(404);

    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
    expect(login.statusCode, login.body).toBe(200);
    expect(login.json().data.user).toMatchObject({ roles: ['agent'], isEmailVerified: true });
    expect((await call('GET', '/api/v1/team/invitations')).json().data.items.map((i: { email: string }) => i.email)).not.toContain(email);
  });

  it('an existing account joins only with its current password', async () => {
    const elsewhere = await createTenant(t);
    const person = await createUser(t, elsewhere, 'admin');
    expect((await invite(person.email, 'viewer')).statusCode).toBe(201);
    const token = await mailedToken(person.email);

    expect((await accept({ token })).statusCode).toBe(401);
    expect((await accept({ token, password: 'Wrong-Password-123' })).statusCode).toBe(401);
    const accepted = await accept({ token, password: person.password });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json().data).toMatchObject({ userId: person.id, isNewAccount: false, role: 'viewer' });

    const member = await call('GET', `/api/v1/users/${person.id}`);
    expect(member.json().data.roles).toEqual(['viewer']);
    expect((await invite(person.email)).statusCode).toBe(409);
  });

  it('lists pending invitations, resends with a new token, revokes, and refuses duplicates', async () => {
    const own = await createTenant(t);
    const [a, b] = [newEmail(), newEmail()];
    const first = (await invite(a, 'agent', own.headers)).json().data;
    const second = (await invite(b, 'viewer', own.headers)).json().data;
    expect((await invite(a.toUpperCase(), 'agent', own.headers)).statusCode).toBe(409);

    const pending = (await call('GET', '/api/v1/team/invitations', undefined, own.headers)).json().data;
    expect(pending.items.map((i: { id: string }) => i.id).sort()).toEqual([first.id, second.id].sort());
    expect(JSON.stringify(pending)).not.toMatch(/token/i);

    const oldToken = await mailedToken(a);
    expect((await call('POST', `/api/v1/team/invitations/${first.id}/resend`, undefined, own.headers)).statusCode).toBe(200);
    const newToken = await mailedToken(a);
    expect(newToken).not.toBe(oldToken);
    expect((await accept({ token: oldToken, password: PASSWORD, firstName: 'A', lastName: 'B' })).statusCode).toBe(404);

    expect((await call('DELETE', `/api/v1/team/invitations/${first.id}`, undefined, own.headers)).statusCode).toBe(204);
    expect((await call('DELETE', `/api/v1/team/invitations/${first.id}`, undefined, own.headers)).statusCode).toBe(404);
    expect((await accept({ token: newToken, password: PASSWORD, firstName: 'A', lastName: 'B' })).statusCode).toBe(404);
    expect((await call('POST', `/api/v1/team/invitations/${first.id}/resend`, undefined, own.headers)).statusCode).toBe(404);

    // An expired invitation is refused and does not block a new one.
    await t.database.db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, second.id));
    expect((await accept({ token: await mailedToken(b), password: PASSWORD, firstName: 'A', lastName: 'B' })).statusCode).toBe(404);
    expect((await invite(b, 'viewer', own.headers)).statusCode).toBe(201);

    const actions = await t.database.db.select({ action: auditLogs.action }).from(auditLogs).where(and(eq(auditLogs.tenantId, own.id), sql`${auditLogs.action} like 'invitation.%'`));
    expect(actions.map((row) => row.action).sort()).toEqual(['invitation.created', 'invitation.created', 'invitation.created', 'invitation.resent', 'invitation.revoked']);
  });

  it('an admin cannot invite an owner; an agent cannot invite at all', async () => {
    const admin = await createUser(t, tenant, 'admin');
    expect((await invite(newEmail(), 'owner', admin.headers)).statusCode).toBe(403);
    expect((await invite(newEmail(), 'admin', admin.headers)).statusCode).toBe(201);
    const agent = await createUser(t, tenant, 'agent');
    expect((await invite(newEmail(), 'viewer', agent.headers)).statusCode).toBe(403);
  });

  it('changes a member role, removes a member, and guards the last owner', async () => {
    const own = await createTenant(t);
    const owner = await createUser(t, own, 'owner');
    const member = await createUser(t, own, 'viewer');
    const changed = await call('PUT', `/api/v1/team/members/${member.id}/role`, { roleKey: 'agent' }, owner.headers);
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().data.roles).toEqual(['agent']);
    expect((await call('PUT', `/api/v1/team/members/${owner.id}/role`, { roleKey: 'viewer' }, owner.headers)).statusCode).toBe(409);
    expect((await call('DELETE', `/api/v1/team/members/${owner.id}`, undefined, owner.headers)).statusCode).toBe(409);

    expect((await call('DELETE', `/api/v1/team/members/${member.id}`, undefined, owner.headers)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/users/${member.id}`, undefined, owner.headers)).statusCode).toBe(404);
    expect((await call('DELETE', `/api/v1/team/members/${member.id}`, undefined, owner.headers)).statusCode).toBe(404);

    // With a second owner, the first may step down.
    const heir = await createUser(t, own, 'viewer');
    expect((await call('PUT', `/api/v1/team/members/${heir.id}/role`, { roleKey: 'owner' }, owner.headers)).statusCode).toBe(200);
    expect((await call('PUT', `/api/v1/team/members/${owner.id}/role`, { roleKey: 'admin' }, owner.headers)).statusCode).toBe(200);
  });

  it('reports team stats and the roles x permissions matrix', async () => {
    const own = await createTenant(t);
    await createUser(t, own, 'owner');
    await createUser(t, own, 'agent');
    const inactive = await createUser(t, own, 'agent');
    await call('PATCH', `/api/v1/users/${inactive.id}/status`, { isActive: false }, own.headers);
    await invite(newEmail(), 'viewer', own.headers);
    await call('POST', '/api/v1/roles', { key: 'auditor', name: 'Auditor', permissions: ['audit:read'] }, own.headers);

    const stats = (await call('GET', '/api/v1/team/stats', undefined, own.headers)).json().data;
    expect(stats.members).toEqual({ total: 3, active: 2, inactive: 1 });
    expect(stats.pendingInvitations).toBe(1);
    expect(Object.fromEntries(stats.byRole.map((r: { key: string; members: number }) => [r.key, r.members]))).toEqual({ admin: 0, agent: 2, auditor: 0, owner: 1, viewer: 0 });

    const matrix = (await call('GET', '/api/v1/team/permission-matrix', undefined, own.headers)).json().data;
    expect(matrix.roles.map((r: { key: string }) => r.key)).toEqual(['admin', 'agent', 'owner', 'viewer', 'auditor']);
    const row = (permission: string) => matrix.rows.find((r: { permission: string }) => r.permission === permission).roles;
    expect(row('tenant:update')).toEqual(['owner']);
    expect(row('audit:read')).toEqual(['admin', 'owner', 'viewer', 'auditor']);
    for (const key of ['owner', 'admin', 'agent', 'viewer'] as const) {
      const granted = matrix.rows.filter((r: { roles: string[] }) => r.roles.includes(key)).map((r: { permission: string }) => r.permission);
      expect(granted.sort()).toEqual([...BUILTIN_ROLES[key].permissions].sort());
    }
  });
});
