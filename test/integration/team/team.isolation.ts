import { randomUUID } from 'node:crypto';

import { createUser } from '../../helpers/fixtures.js';
import type { IsolationSeed } from '../../helpers/tenant-isolation.js';

const newEmail = () => `invitee-${randomUUID().slice(0, 8)}@example.test`;

export const teamIsolationSeed: IsolationSeed = async (t, owner) => {
  const invite = async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/team/invitations', headers: owner.headers, payload: { email: newEmail(), roleKey: 'agent' } });
    if (response.statusCode !== 201) throw new Error(`seed invitation: ${response.body}`);
    return response.json().data.id as string;
  };
  const [kept, doomed] = [await invite(), await invite()];
  const [member, leaving] = [await createUser(t, owner, 'viewer'), await createUser(t, owner, 'viewer')];
  return [
    { route: '/api/v1/team/invitations', method: 'POST', url: '/api/v1/team/invitations', body: { email: newEmail(), roleKey: 'viewer' }, hasTenantIds: false },
    { route: '/api/v1/team/invitations', method: 'GET', url: '/api/v1/team/invitations', hasTenantIds: false },
    { route: '/api/v1/team/invitations/:id/resend', method: 'POST', url: `/api/v1/team/invitations/${kept}/resend`, hasTenantIds: true },
    { route: '/api/v1/team/invitations/:id', method: 'DELETE', url: `/api/v1/team/invitations/${doomed}`, hasTenantIds: true },
    { route: '/api/v1/team/members/:userId/role', method: 'PUT', url: `/api/v1/team/members/${member.id}/role`, body: { roleKey: 'agent' }, hasTenantIds: true },
    { route: '/api/v1/team/members/:userId', method: 'DELETE', url: `/api/v1/team/members/${leaving.id}`, hasTenantIds: true },
    { route: '/api/v1/team/stats', method: 'GET', url: '/api/v1/team/stats', hasTenantIds: false },
    { route: '/api/v1/team/permission-matrix', method: 'GET', url: '/api/v1/team/permission-matrix', hasTenantIds: false },
  ];
};
