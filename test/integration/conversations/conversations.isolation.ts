import type { IsolationSeed } from '../../helpers/tenant-isolation.js';

export const conversationsIsolationSeed: IsolationSeed = async (t, owner) => {
  const post = async (url: string, payload?: object) => (await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: owner.headers, payload })).json().data as { id: string };
  const agent = (await post('/agents', { name: 'Sessions' })).id;
  await post(`/agents/${agent}/publish`);
  // Separate conversations for the routes that close one, so the others still find it open.
  const [session, toEnd, toClose] = [await post('/sessions', { agentId: agent }), await post('/sessions', { agentId: agent }), await post('/sessions', { agentId: agent })];
  return [
    { route: '/api/v1/sessions', method: 'POST', url: '/api/v1/sessions', body: { agentId: agent }, hasTenantIds: true },
    { route: '/api/v1/sessions', method: 'GET', url: '/api/v1/sessions', hasTenantIds: false },
    { route: '/api/v1/sessions/:id', method: 'GET', url: `/api/v1/sessions/${session.id}`, hasTenantIds: true },
    { route: '/api/v1/conversations/:id/messages', method: 'POST', url: `/api/v1/conversations/${session.id}/messages`, body: { message: 'Hello?' }, hasTenantIds: true },
    { route: '/api/v1/sessions/:id/messages', method: 'GET', url: `/api/v1/sessions/${session.id}/messages`, hasTenantIds: true },
    { route: '/api/v1/sessions/:id/messages', method: 'DELETE', url: `/api/v1/sessions/${session.id}/messages`, hasTenantIds: true },
    { route: '/api/v1/conversations', method: 'GET', url: '/api/v1/conversations?search=Hello', hasTenantIds: false },
    { route: '/api/v1/conversations/:id', method: 'GET', url: `/api/v1/conversations/${session.id}`, hasTenantIds: true },
    { route: '/api/v1/conversations/:id', method: 'PATCH', url: `/api/v1/conversations/${session.id}`, body: { priority: 'HIGH' }, hasTenantIds: true },
    { route: '/api/v1/sessions/:id/end', method: 'POST', url: `/api/v1/sessions/${toEnd.id}/end`, hasTenantIds: true },
    { route: '/api/v1/conversations/:id/close', method: 'POST', url: `/api/v1/conversations/${toClose.id}/close`, body: { rating: 4 }, hasTenantIds: true },
  ];
};
