import type { IsolationSeed } from '../../helpers/tenant-isolation.js';
import { createKnowledgeBase, startDocumentServer, type DocumentServer } from '../knowledge/knowledge-helpers.js';
import { articlePage } from './fake-website.js';

let pageServer: DocumentServer | undefined;

/** read-content must succeed for the owner: the isolation suite starts this server and allow-lists its host. */
export const startCrawlerIsolationServer = async () => {
  pageServer = await startDocumentServer({ '/page': { type: 'text/html', body: articlePage('Opening hours', 'We open at nine.') } });
  return pageServer;
};

export const crawlerIsolationSeed: IsolationSeed = async (t, owner) => {
  if (!pageServer) throw new Error('call startCrawlerIsolationServer() before building the app');
  const kb = await createKnowledgeBase(t, owner);
  // No worker runs in the isolation suite, so these crawls stay queued (and fetch nothing).
  const create = async () =>
    (await t.app.inject({ method: 'POST', url: '/api/v1/website-scrapes', headers: owner.headers, payload: { knowledgeBaseId: kb.id, startUrl: 'https://example.com/' } })).json().data.id as string;
  const [kept, stopped, doomed] = [await create(), await create(), await create()];
  await t.app.inject({ method: 'POST', url: `/api/v1/website-scrapes/${stopped}/stop`, headers: owner.headers });
  return [
    { route: '/api/v1/website-scrapes', method: 'POST', url: '/api/v1/website-scrapes', body: { knowledgeBaseId: kb.id, startUrl: 'https://example.com/docs' }, hasTenantIds: true },
    { route: '/api/v1/website-scrapes', method: 'GET', url: '/api/v1/website-scrapes', hasTenantIds: false },
    { route: '/api/v1/website-scrapes/read-content', method: 'POST', url: '/api/v1/website-scrapes/read-content', body: { url: `${pageServer.origin}/page` }, hasTenantIds: false },
    { route: '/api/v1/website-scrapes/:id', method: 'GET', url: `/api/v1/website-scrapes/${kept}`, hasTenantIds: true },
    { route: '/api/v1/website-scrapes/:id/pages', method: 'GET', url: `/api/v1/website-scrapes/${kept}/pages`, hasTenantIds: true },
    { route: '/api/v1/website-scrapes/:id', method: 'PATCH', url: `/api/v1/website-scrapes/${kept}`, body: { schedule: 'weekly' }, hasTenantIds: true },
    { route: '/api/v1/website-scrapes/:id/stop', method: 'POST', url: `/api/v1/website-scrapes/${kept}/stop`, hasTenantIds: true },
    { route: '/api/v1/website-scrapes/:id/rescrape', method: 'POST', url: `/api/v1/website-scrapes/${stopped}/rescrape`, hasTenantIds: true },
    { route: '/api/v1/website-scrapes/:id', method: 'DELETE', url: `/api/v1/website-scrapes/${doomed}`, hasTenantIds: true },
  ];
};
