import type { IsolationSeed } from '../../helpers/tenant-isolation.js';
import { createKnowledgeBase } from '../knowledge/knowledge-helpers.js';

export const agentsIsolationSeed: IsolationSeed = async (t, owner) => {
  const create = async (name: string) =>
    (await t.app.inject({ method: 'POST', url: '/api/v1/agents', headers: owner.headers, payload: { name } })).json().data.id as string;
  const [kept, doomed] = [await create('kept'), await create('doomed')];
  const kb = await createKnowledgeBase(t, owner);
  const agent = `/api/v1/agents/${kept}`;
  return [
    { route: '/api/v1/agents', method: 'POST', url: '/api/v1/agents', body: { name: 'new' }, hasTenantIds: false },
    { route: '/api/v1/agents', method: 'GET', url: '/api/v1/agents', hasTenantIds: false },
    { route: '/api/v1/agents/:id', method: 'GET', url: agent, hasTenantIds: true },
    { route: '/api/v1/agents/:id', method: 'PATCH', url: agent, body: { greeting: 'Hello' }, hasTenantIds: true },
    { route: '/api/v1/agents/:id/publish', method: 'POST', url: `${agent}/publish`, hasTenantIds: true },
    { route: '/api/v1/agents/:id/unpublish', method: 'POST', url: `${agent}/unpublish`, hasTenantIds: true },
    { route: '/api/v1/agents/:id/configuration', method: 'GET', url: `${agent}/configuration`, hasTenantIds: true },
    { route: '/api/v1/agents/:id/knowledge-bases', method: 'POST', url: `${agent}/knowledge-bases`, body: { knowledgeBaseIds: [kb.id] }, hasTenantIds: true },
    { route: '/api/v1/agents/:id/knowledge-bases/:knowledgeBaseId', method: 'DELETE', url: `${agent}/knowledge-bases/${kb.id}`, hasTenantIds: true },
    { route: '/api/v1/agents/:id/train', method: 'POST', url: `${agent}/train`, hasTenantIds: true },
    { route: '/api/v1/agents/:id/performance', method: 'GET', url: `${agent}/performance`, hasTenantIds: true },
    { route: '/api/v1/agents/:id', method: 'DELETE', url: `/api/v1/agents/${doomed}`, hasTenantIds: true },
  ];
};
