import { randomUUID } from 'node:crypto';

import { createUser } from '../../helpers/fixtures.js';
import type { IsolationSeed } from '../../helpers/tenant-isolation.js';

export const usersIsolationSeed: IsolationSeed = async (t, owner) => {
  const [self, target, doomed] = [await createUser(t, owner, 'viewer'), await createUser(t, owner, 'agent'), await createUser(t, owner, 'viewer')];
  return [
    { route: '/api/v1/users', method: 'GET', url: '/api/v1/users', hasTenantIds: false },
    {
      route: '/api/v1/users',
      method: 'POST',
      url: '/api/v1/users',
      body: { email: `new-${randomUUID().slice(0, 8)}@example.test`, firstName: 'New', lastName: 'Person', roleKey: 'viewer' },
      hasTenantIds: false,
    },
    // About the caller: the owner's API key has no profile, so the owner here is a signed-in member.
    { route: '/api/v1/users/me/profile', method: 'PUT', url: '/api/v1/users/me/profile', body: { phone: '+1 555 0100' }, hasTenantIds: false, ownerHeaders: self.headers },
    { route: '/api/v1/users/:id', method: 'GET', url: `/api/v1/users/${target.id}`, hasTenantIds: true },
    { route: '/api/v1/users/:id', method: 'PATCH', url: `/api/v1/users/${target.id}`, body: { firstName: 'Renamed' }, hasTenantIds: true },
    { route: '/api/v1/users/:id/status', method: 'PATCH', url: `/api/v1/users/${target.id}/status`, body: { isActive: false }, hasTenantIds: true },
    { route: '/api/v1/users/:id', method: 'DELETE', url: `/api/v1/users/${doomed.id}`, hasTenantIds: true },
  ];
};
