import type { IsolationSeed } from '../../helpers/tenant-isolation.js';

export const openAiCompatIsolationSeed: IsolationSeed = async (t, owner) => {
  const agent = (await t.app.inject({ method: 'POST', url: '/api/v1/agents', headers: owner.headers, payload: { name: 'Model' } })).json().data.id as string;
  await t.app.inject({ method: 'POST', url: `/api/v1/agents/${agent}/publish`, headers: owner.headers });
  return [
    { route: '/v1/models', method: 'GET', url: '/v1/models', hasTenantIds: false },
    { route: '/v1/models/:model', method: 'GET', url: `/v1/models/${agent}`, hasTenantIds: true },
    { route: '/v1/chat/completions', method: 'POST', url: '/v1/chat/completions', body: { model: agent, messages: [{ role: 'user', content: 'Hello?' }] }, hasTenantIds: true },
  ];
};
