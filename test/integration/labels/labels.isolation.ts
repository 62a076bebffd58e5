import type { IsolationSeed } from '../../helpers/tenant-isolation.js';

export const labelsIsolationSeed: IsolationSeed = async (t, owner) => {
  const create = async (name: string) =>
    (await t.app.inject({ method: 'POST', url: '/api/v1/labels', headers: owner.headers, payload: { name } })).json().data.id as string;
  const [kept, doomed] = [await create('vip'), await create('spam')];
  return [
    { route: '/api/v1/labels', method: 'POST', url: '/api/v1/labels', body: { name: 'new' }, hasTenantIds: false },
    { route: '/api/v1/labels', method: 'GET', url: '/api/v1/labels', hasTenantIds: false },
    { route: '/api/v1/labels/:id', method: 'GET', url: `/api/v1/labels/${kept}`, hasTenantIds: true },
    { route: '/api/v1/labels/:id', method: 'PATCH', url: `/api/v1/labels/${kept}`, body: { color: '#ff0000' }, hasTenantIds: true },
    { route: '/api/v1/labels/:id', method: 'DELETE', url: `/api/v1/labels/${doomed}`, hasTenantIds: true },
  ];
};
