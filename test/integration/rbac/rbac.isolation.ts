import { randomUUID } from 'node:crypto';

import type { TestApp } from '../../helpers/build-test-app.js';
import { createUser, type TestTenant } from '../../helpers/fixtures.js';
import type { IsolationSeed } from '../../helpers/tenant-isolation.js';

const post = async (t: TestApp, owner: TestTenant, url: string, payload: object) => {
  const response = await t.app.inject({ method: 'POST', url, headers: owner.headers, payload });
  if (response.statusCode >= 400) throw new Error(`seed ${url}: ${response.body}`);
  return response.json().data;
};

export const rbacIsolationSeed: IsolationSeed = async (t, owner) => {
  const newRole = (permissions: string[]) => post(t, owner, '/api/v1/roles', { key: `r-${randomUUID().slice(0, 8)}`, name: 'Seeded', permissions });
  const [kept, doomed] = [await newRole(['labels:read']), await newRole([])];
  const user = await createUser(t, owner, 'viewer');
  await post(t, owner, `/api/v1/users/${user.id}/permissions`, { permissions: ['labels:write'] });
  return [
    { route: '/api/v1/permissions', method: 'GET', url: '/api/v1/permissions', hasTenantIds: false },
    { route: '/api/v1/permissions/module-wise', method: 'GET', url: '/api/v1/permissions/module-wise', hasTenantIds: false },
    { route: '/api/v1/roles', method: 'GET', url: '/api/v1/roles', hasTenantIds: false },
    { route: '/api/v1/roles', method: 'POST', url: '/api/v1/roles', body: { key: `new-${randomUUID().slice(0, 8)}`, name: 'New' }, hasTenantIds: false },
    { route: '/api/v1/roles/:id', method: 'GET', url: `/api/v1/roles/${kept.id}`, hasTenantIds: true },
    { route: '/api/v1/roles/:id', method: 'PATCH', url: `/api/v1/roles/${kept.id}`, body: { name: 'Renamed' }, hasTenantIds: true },
    { route: '/api/v1/roles/:id/permissions', method: 'POST', url: `/api/v1/roles/${kept.id}/permissions`, body: { permissions: ['agents:read'] }, hasTenantIds: true },
    { route: '/api/v1/roles/:id/permissions/:permission', method: 'DELETE', url: `/api/v1/roles/${kept.id}/permissions/labels:read`, hasTenantIds: true },
    { route: '/api/v1/roles/:id', method: 'DELETE', url: `/api/v1/roles/${doomed.id}`, hasTenantIds: true },
    { route: '/api/v1/users/:id/permissions', method: 'GET', url: `/api/v1/users/${user.id}/permissions`, hasTenantIds: true },
    { route: '/api/v1/users/:id/permissions', method: 'POST', url: `/api/v1/users/${user.id}/permissions`, body: { permissions: ['agents:read'] }, hasTenantIds: true },
    { route: '/api/v1/users/:id/permissions/:permission', method: 'DELETE', url: `/api/v1/users/${user.id}/permissions/labels:write`, hasTenantIds: true },
    { route: '/api/v1/users/:id/roles', method: 'POST', url: `/api/v1/users/${user.id}/roles`, body: { roleKey: 'agent' }, hasTenantIds: true },
    { route: '/api/v1/users/:id/roles/:roleKey', method: 'DELETE', url: `/api/v1/users/${user.id}/roles/viewer`, hasTenantIds: true },
  ];
};
