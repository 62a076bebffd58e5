import type { IsolationSeed } from '../../helpers/tenant-isolation.js';
import { createKnowledgeBase } from '../knowledge/knowledge-helpers.js';

export const retrievalIsolationSeed: IsolationSeed = async (t, owner) => {
  const kb = await createKnowledgeBase(t, owner);
  return [
    { route: '/api/v1/knowledge-bases/:id/search', method: 'POST', url: `/api/v1/knowledge-bases/${kb.id}/search`, body: { query: 'refund' }, hasTenantIds: true },
    { route: '/api/v1/retrieval/stats', method: 'GET', url: '/api/v1/retrieval/stats', hasTenantIds: false },
  ];
};
