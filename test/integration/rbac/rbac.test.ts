import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditLogs } from '../../../src/db/schema.js';
import { ALL_PERMISSIONS, BUILTIN_ROLES, PERMISSION_CATALOGUE } from '../../../src/modules/rbac/permissions.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, createUser, type TestTenant } from '../../helpers/fixtures.js';

describe('rbac: roles, permissions, attach/detach, effective permissions', () => {
  let t: TestApp;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_EVENT_LOOP_DELAY_MS: '0' } });
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = tenant.headers) =>
    t.app.inject({ method, url, payload, headers });

  it('serves the permission catalogue flat and by module', async () => {
    const flat = (await call('GET', '/api/v1/permissions')).json().data;
    expect(flat.total).toBe(ALL_PERMISSIONS.length);
    expect(flat.items).toContainEqual({ key: 'users:write', module: 'users', action: 'write' });
    const byModule = (await call('GET', '/api/v1/permissions/module-wise')).json().data as { module: string; permissions: { key: string }[] }[];
    expect(byModule.map((group) => group.module)).toEqual(Object.keys(PERMISSION_CATALOGUE));
    expect(byModule.find((group) => group.module === 'team')!.permissions.map((p) => p.key)).toEqual(PERMISSION_CATALOGUE.team);
  });

  it('lists the four built-in roles with their code-defined permissions and refuses to change them', async () => {
    const roles = (await call('GET', '/api/v1/roles')).json().data.items as { id: string; key: string; isBuiltin: boolean; permissions: string[] }[];
    for (const key of ['owner', 'admin', 'agent', 'viewer'] as const) {
      const role = roles.find((row) => row.key === key)!;
      expect(role.isBuiltin).toBe(true);
      expect(role.permissions).toEqual([...BUILTIN_ROLES[key].permissions]);
    }
    const admin = roles.find((row) => row.key === 'admin')!;
    for (const response of [
      await call('PATCH', `/api/v1/roles/${admin.id}`, { name: 'Boss' }),
      await call('DELETE', `/api/v1/roles/${admin.id}`),
      await call('POST', `/api/v1/roles/${admin.id}/permissions`, { permissions: ['tenant:update'] }),
    ]) {
      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe('CONFLICT');
    }
  });

  it('creates, updates, grants to, revokes from and deletes a custom role', async () => {
    const created = await call('POST', '/api/v1/roles', { key: 'Billing', name: 'Billing', permissions: ['analytics:read', 'analytics:read'] });
    expect(created.statusCode, created.body).toBe(201);
    const role = created.json().data;
    expect(role).toMatchObject({ key: 'billing', isBuiltin: false, permissions: ['analytics:read'], memberCount: 0 });

    expect((await call('POST', '/api/v1/roles', { key: 'billing', name: 'Again' })).statusCode).toBe(409);
    expect((await call('POST', '/api/v1/roles', { key: 'owner', name: 'Fake owner' })).statusCode).toBe(409);
    const unknown = await call('POST', '/api/v1/roles', { key: 'typo', name: 'Typo', permissions: ['labels:reed'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details.unknown).toEqual(['labels:reed']);

    expect((await call('PATCH', `/api/v1/roles/${role.id}`, { description: 'Invoices' })).json().data.description).toBe('Invoices');
    const granted = await call('POST', `/api/v1/roles/${role.id}/permissions`, { permissions: ['webhooks:read', 'analytics:read'] });
    expect(granted.json().data.permissions).toEqual(['analytics:read', 'webhooks:read']);
    const revoked = await call('DELETE', `/api/v1/roles/${role.id}/permissions/analytics:read`);
    expect(revoked.json().data.permissions).toEqual(['webhooks:read']);
    expect((await call('DELETE', `/api/v1/roles/${role.id}/permissions/analytics:read`)).statusCode).toBe(404);

    expect((await call('GET', `/api/v1/roles/${role.id}`)).json().data.permissions).toEqual(['webhooks:read']);
    expect((await call('DELETE', `/api/v1/roles/${role.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/roles/${role.id}`)).statusCode).toBe(404);

    const audit = await t.database.db
      .select()
      .from(auditLogs)
      .where(and(eq(auditLogs.tenantId, tenant.id), eq(auditLogs.targetId, role.id)))
      .orderBy(asc(auditLogs.createdAt), asc(auditLogs.id));
    expect(audit.map((row) => row.action)).toEqual(['role.created', 'role.updated', 'role.permissions_granted', 'role.permission_revoked', 'role.deleted']);
    expect(audit[2]!.metadata).toMatchObject({ permissions: ['webhooks:read', 'analytics:read'] });
    expect(audit[0]!.actorType).toBe('api_key');
  });

  it('attaches and detaches roles, grants and revokes direct permissions, and reports the union', async () => {
    const user = await createUser(t, tenant, 'viewer');
    const role = (await call('POST', '/api/v1/roles', { key: 'hooks', name: 'Hooks', permissions: ['webhooks:write'] })).json().data;

    const attached = await call('POST', `/api/v1/users/${user.id}/roles`, { roleKey: 'hooks' });
    expect(attached.statusCode, attached.body).toBe(200);
    expect(attached.json().data.roles.map((r: { key: string }) => r.key)).toEqual(['hooks', 'viewer']);
    expect((await call('GET', `/api/v1/roles/${role.id}`)).json().data.memberCount).toBe(1);

    const direct = await call('POST', `/api/v1/users/${user.id}/permissions`, { permissions: ['labels:write'] });
    expect(direct.json().data.directPermissions).toEqual(['labels:write']);

    const access = (await call('GET', `/api/v1/users/${user.id}/permissions`)).json().data;
    expect(access.effectivePermissions).toEqual([...new Set([...BUILTIN_ROLES.viewer.permissions, 'webhooks:write', 'labels:write'])].sort());

    // The new permission is real: after a fresh sign-in the user can create a label.
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: user.email, password: user.password, tenantId: tenant.id } });
    const headers = { authorization: `Bearer ${login.json().data.tokens.accessToken}` };
    expect((await call('POST', '/api/v1/labels', { name: 'from-direct-grant' }, headers)).statusCode).toBe(201);

    expect((await call('DELETE', `/api/v1/users/${user.id}/permissions/labels:write`)).json().data.directPermissions).toEqual([]);
    expect((await call('DELETE', `/api/v1/users/${user.id}/roles/hooks`)).json().data.roles.map((r: { key: string }) => r.key)).toEqual(['viewer']);
    expect((await call('DELETE', `/api/v1/users/${user.id}/roles/hooks`)).statusCode).toBe(404);
    const final = (await call('GET', `/api/v1/users/${user.id}/permissions`)).json().data;
    expect(final.effectivePermissions).toEqual([...BUILTIN_ROLES.viewer.permissions].sort());
    const actions = await t.database.db
      .select({ action: auditLogs.action })
      .from(auditLogs)
      .where(and(eq(auditLogs.tenantId, tenant.id), eq(auditLogs.targetId, user.id)))
      .orderBy(asc(auditLogs.createdAt), asc(auditLogs.id));
    expect(actions.map((row) => row.action)).toEqual(
      expect.arrayContaining(['user.role_attached', 'user.permissions_granted', 'user.permission_revoked', 'user.role_detached']),
    );
  });

  it('never lets anyone hand out more than they hold', async () => {
    const admin = await createUser(t, tenant, 'admin');
    const viewer = await createUser(t, tenant, 'viewer');
    const asAdmin = (method: 'POST' | 'DELETE', url: string, payload?: object) => call(method, url, payload, admin.headers);

    const toOwner = await asAdmin('POST', `/api/v1/users/${admin.id}/roles`, { roleKey: 'owner' });
    expect(toOwner.statusCode).toBe(403);
    expect(toOwner.json().error.details.missing).toEqual(['tenant:update']);
    expect((await asAdmin('POST', `/api/v1/users/${viewer.id}/permissions`, { permissions: ['tenant:update'] })).statusCode).toBe(403);
    expect((await asAdmin('POST', '/api/v1/roles', { key: 'sneaky', name: 'Sneaky', permissions: ['tenant:update'] })).statusCode).toBe(403);
    // Within the admin's own access it works.
    expect((await asAdmin('POST', `/api/v1/users/${viewer.id}/roles`, { roleKey: 'agent' })).statusCode).toBe(200);
  });

  it('keeps the last owner: the owner role cannot be detached from the only active owner', async () => {
    const own = await createTenant(t);
    const owner = await createUser(t, own, 'owner');
    const detach = await call('DELETE', `/api/v1/users/${owner.id}/roles/owner`, undefined, own.headers);
    expect(detach.statusCode).toBe(409);
    expect(detach.json().error.code).toBe('CONFLICT');

    const second = await createUser(t, own, 'owner');
    expect((await call('DELETE', `/api/v1/users/${owner.id}/roles/owner`, undefined, own.headers)).statusCode).toBe(200);
    expect((await call('DELETE', `/api/v1/users/${second.id}/roles/owner`, undefined, own.headers)).statusCode).toBe(409);
  });

  it('answers 404 for users and roles of another tenant', async () => {
    const other = await createTenant(t);
    const stranger = await createUser(t, other, 'viewer');
    const foreignRole = (await call('POST', '/api/v1/roles', { key: 'foreign', name: 'Foreign' }, other.headers)).json().data;
    expect((await call('GET', `/api/v1/users/${stranger.id}/permissions`)).statusCode).toBe(404);
    expect((await call('POST', `/api/v1/users/${stranger.id}/roles`, { roleKey: 'viewer' })).statusCode).toBe(404);
    expect((await call('GET', `/api/v1/roles/${foreignRole.id}`)).statusCode).toBe(404);
    const member = await createUser(t, tenant, 'viewer');
    expect((await call('POST', `/api/v1/users/${member.id}/roles`, { roleKey: 'foreign' })).statusCode).toBe(404);
  });
});
