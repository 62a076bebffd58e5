import type { IsolationSeed } from '../../helpers/tenant-isolation.js';

export const aiProvidersIsolationSeed: IsolationSeed = async (t, owner) => {
  const create = async (name: string) =>
    (await t.app.inject({ method: 'POST', url: '/api/v1/ai-providers', headers: owner.headers, payload: { name, provider: 'openai', apiKey: 'sk-isolation-test-key' } })).json().data.id as string;
  const [kept, doomed] = [await create('kept'), await create('doomed')];
  return [
    { route: '/api/v1/ai-providers', method: 'POST', url: '/api/v1/ai-providers', body: { name: 'new', provider: 'openai', apiKey: 'sk-x' }, hasTenantIds: false },
    { route: '/api/v1/ai-providers', method: 'GET', url: '/api/v1/ai-providers', hasTenantIds: false },
    { route: '/api/v1/ai-providers/:id', method: 'GET', url: `/api/v1/ai-providers/${kept}`, hasTenantIds: true },
    { route: '/api/v1/ai-providers/:id', method: 'PATCH', url: `/api/v1/ai-providers/${kept}`, body: { defaultModel: 'gpt-4o-mini' }, hasTenantIds: true },
    // The default OpenAI URL is not reachable here: the check answers ok: false (200), which is all isolation needs.
    { route: '/api/v1/ai-providers/:id/test', method: 'POST', url: `/api/v1/ai-providers/${kept}/test`, hasTenantIds: true },
    { route: '/api/v1/ai-providers/:id', method: 'DELETE', url: `/api/v1/ai-providers/${doomed}`, hasTenantIds: true },
  ];
};
