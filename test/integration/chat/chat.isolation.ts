import type { IsolationSeed } from '../../helpers/tenant-isolation.js';

export const chatIsolationSeed: IsolationSeed = async (t, owner) => {
  const agent = (await t.app.inject({ method: 'POST', url: '/api/v1/agents', headers: owner.headers, payload: { name: 'Chatty' } })).json().data.id as string;
  await t.app.inject({ method: 'POST', url: `/api/v1/agents/${agent}/publish`, headers: owner.headers });
  return [
    { route: '/api/v1/agents/:id/test', method: 'POST', url: `/api/v1/agents/${agent}/test`, body: { message: 'Hello?' }, hasTenantIds: true },
    { route: '/api/v1/chat/agents/:agentId/stream', method: 'POST', url: `/api/v1/chat/agents/${agent}/stream`, body: { message: 'Hello?' }, hasTenantIds: true },
  ];
};
