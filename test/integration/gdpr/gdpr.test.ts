import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditLogs, jobs, mailMessages, memberships, users } from '../../../src/db/schema.js';
import { newId } from '../../../src/lib/ids.js';
import { assignRole } from '../../../src/modules/rbac/rbac.repo.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, createUser, type TestTenant, type TestUser } from '../../helpers/fixtures.js';

// The machine is shared: load-shedding (under-pressure) is off so a busy box
// cannot turn an assertion into a 503.
const APP_ENV = { MAX_EVENT_LOOP_DELAY_MS: '0' };

describe('GDPR data export and deletion', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: APP_ENV });
  });
  afterAll(() => t.close());

  const exportOf = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/v1/auth/gdpr/data-export', headers });
  const requestDeletion = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/api/v1/auth/gdpr/data-deletion', headers });
  const runJobs = async () => {
    await t.container.worker.pollOnce();
    await t.container.worker.drain();
  };
  const userRow = async (id: string) => (await t.container.database.db.select().from(users).where(eq(users.id, id)))[0]!;
  const auditActions = async (tenant: TestTenant) =>
    ((await t.app.inject({ method: 'GET', url: '/api/v1/audit-logs?action=gdpr.*', headers: tenant.headers })).json().data.items as { action: string }[]).map(
      (entry) => entry.action,
    );

  it('exports everything stored about the caller, across tenants, without secrets', async () => {
    const tenant = await createTenant(t);
    const owner = await createUser(t, tenant, 'owner');
    // A second tenant the same person belongs to: users are global, so the export covers it too.
    const second = await createTenant(t);
    await t.container.database.db.insert(memberships).values({ id: newId(), tenantId: second.id, userId: owner.id });
    await assignRole(t.container.database.db, { tenantId: second.id, userId: owner.id, roleKey: 'viewer' });
    const changed = await t.app.inject({ method: 'PUT', url: '/api/v1/tenant', headers: owner.headers, payload: { settings: { timezone: 'Europe/Madrid' } }, remoteAddress: '192.0.2.44' });
    expect(changed.statusCode, changed.body).toBe(200);
    const forgot = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: owner.email } });
    expect(forgot.statusCode, forgot.body).toBe(202);

    const response = await exportOf(owner.headers);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-disposition']).toContain('attachment');
    const data = response.json().data;
    expect(data.profile).toMatchObject({ id: owner.id, email: owner.email, hasPassword: true, status: 'active' });
    expect(data.memberships.map((m: { tenantId: string }) => m.tenantId).sort()).toEqual([tenant.id, second.id].sort());
    expect(data.roles.map((r: { tenantId: string; key: string }) => `${r.tenantId}:${r.key}`).sort()).toEqual([`${tenant.id}:owner`, `${second.id}:viewer`].sort());
    expect(data.sessions.length).toBeGreaterThanOrEqual(1);
    expect(data.sessions[0]).toHaveProperty('sessionId');
    expect(data.auditEntries).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'tenant.settings_updated', actorId: owner.id, ip: '192.0.2.44' })]));
    expect(data.mails.length).toBeGreaterThanOrEqual(1);
    expect(data.mails[0]).toMatchObject({ toAddress: owner.email });
    expect(data.mails[0]).not.toHaveProperty('textBody');

    const body = response.body;
    for (const secret of [owner.password, owner.refreshToken, 'password_hash', 'passwordHash', 'tokenHash', 'token_hash', '$argon2']) {
      expect(body, secret).not.toContain(secret);
    }
  });

  it('refuses API keys: data-subject requests act on a person', async () => {
    const tenant = await createTenant(t);
    for (const response of [await exportOf(tenant.headers), await requestDeletion(tenant.headers)]) {
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('INSUFFICIENT_PERMISSIONS');
    }
    expect((await exportOf({})).statusCode).toBe(401);
  });

  it('refuses to delete the last owner of a tenant (409) until ownership moves', async () => {
    const tenant = await createTenant(t);
    const owner = await createUser(t, tenant, 'owner');
    const response = await requestDeletion(owner.headers);
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('CONFLICT');
    expect(response.json().error.message).toContain(tenant.name);
    expect(response.json().error.details.tenants).toEqual([{ id: tenant.id, name: tenant.name }]);
    const queued = await t.container.database.db.select().from(jobs).where(eq(jobs.name, 'gdpr.delete-user'));
    expect(queued.filter((job) => (job.payload as { userId: string }).userId === owner.id)).toEqual([]);
    expect((await userRow(owner.id)).status).toBe('active');
  });

  it('deletes and anonymises a member as a job: sessions end, personal data goes, the audit trail stays', async () => {
    const tenant = await createTenant(t);
    await createUser(t, tenant, 'owner');
    const agent: TestUser = await createUser(t, tenant, 'agent');
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: agent.email } });
    await t.container.modules.audit.record(t.container.database.db, {
      tenantId: tenant.id,
      actor: { type: 'user', id: agent.id },
      action: 'probe.action',
      ip: '198.51.100.23',
      userAgent: 'probe-agent/1.0',
    });

    const db = t.container.database.db;
    expect((await db.select().from(mailMessages).where(eq(mailMessages.toAddress, agent.email))).length).toBeGreaterThan(0);

    const response = await requestDeletion(agent.headers);
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json().data).toMatchObject({ status: 'scheduled', userId: agent.id });
    await runJobs();

    const row = await userRow(agent.id);
    expect(row).toMatchObject({ status: 'deleted', email: `deleted-${agent.id}@deleted.invalid`, passwordHash: null, firstName: '', lastName: '' });
    expect(await db.select().from(memberships).where(eq(memberships.userId, agent.id))).toEqual([]);
    const [probe] = await db.select().from(auditLogs).where(eq(auditLogs.action, 'probe.action'));
    expect(probe).toMatchObject({ actorId: agent.id, ip: null, userAgent: null });
    expect(await auditActions(tenant)).toEqual(['gdpr.user_deleted', 'gdpr.deletion_requested']);

    // The access token dies with the account, and the password no longer signs in.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: agent.headers })).statusCode).toBe(401);
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: agent.email, password: agent.password } });
    expect(login.statusCode).toBe(401);
    expect(await db.select().from(mailMessages).where(eq(mailMessages.toAddress, agent.email))).toEqual([]);

    // Idempotent: running the job again changes nothing and does not fail.
    await t.container.modules.gdpr.deleteUser({ tenantId: tenant.id, userId: agent.id }, { id: 'again', attempt: 2, signal: new AbortController().signal });
    expect(await auditActions(tenant)).toEqual(['gdpr.user_deleted', 'gdpr.deletion_requested']);
  });

  it('re-checks ownership when the job runs: of two owners who both asked, exactly one is kept', async () => {
    const tenant = await createTenant(t);
    const first = await createUser(t, tenant, 'owner');
    const second = await createUser(t, tenant, 'owner');
    expect((await requestDeletion(first.headers)).statusCode).toBe(202);
    expect((await requestDeletion(second.headers)).statusCode).toBe(202);
    // One poll claims both jobs, which then run concurrently (on PostgreSQL truly in parallel): whichever takes the
    // owner-role lock second must see that it became the last owner.
    await runJobs();
    await runJobs();
    const isFirstKept = (await userRow(first.id)).status === 'active';
    expect([(await userRow(first.id)).status, (await userRow(second.id)).status].sort()).toEqual(['active', 'deleted']);
    expect(await auditActions(tenant)).toEqual(expect.arrayContaining(['gdpr.user_deleted', 'gdpr.deletion_blocked']));
    const kept = isFirstKept ? first : second;
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/tenant', headers: kept.headers })).statusCode).toBe(200);
  });
});
