import type { IsolationSeed } from '../../helpers/tenant-isolation.js';

export const apiKeysIsolationSeed: IsolationSeed = async (t, owner) => {
  const create = async (name: string) => {
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: owner.headers, payload: { name, scopes: ['labels:read'] } });
    if (response.statusCode !== 201) throw new Error(`seed api key: ${response.body}`);
    return response.json().data.id as string;
  };
  const [kept, doomed] = [await create('kept'), await create('doomed')];
  return [
    { route: '/api/v1/api-keys', method: 'POST', url: '/api/v1/api-keys', body: { name: 'new', scopes: ['labels:read'] }, hasTenantIds: false },
    { route: '/api/v1/api-keys', method: 'GET', url: '/api/v1/api-keys', hasTenantIds: false },
    { route: '/api/v1/api-keys/:id', method: 'GET', url: `/api/v1/api-keys/${kept}`, hasTenantIds: true },
    { route: '/api/v1/api-keys/:id', method: 'DELETE', url: `/api/v1/api-keys/${doomed}`, hasTenantIds: true },
  ];
};
