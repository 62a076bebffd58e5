import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { queryRows } from '../../../src/db/client.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createApiKey, createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, runJobs } from '../knowledge/knowledge-helpers.js';
import { articlePage, startFakeWebsite, type FakeWebsite } from './fake-website.js';

type Scrape = { id: string; status: string; runCount: number; nextRunAt: string | null; progress: Record<string, number>; lastError: string | null };

const FAST = { delayMs: 0, concurrency: 5, maxDepth: 2, maxPages: 50 };

describe('website crawling', () => {
  let t: TestApp;
  let site: FakeWebsite;
  /** A second site for a test that changes its pages, so the shared one stays as the other tests expect. */
  let changingSite: FakeWebsite;
  let tenant: TestTenant;

  beforeAll(async () => {
    site = await startFakeWebsite();
    changingSite = await startFakeWebsite();
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: `${site.host},${changingSite.host}` } });
    tenant = await createTenant(t);
  });
  afterAll(async () => {
    await t.close();
    await site.close();
    await changingSite.close();
  });

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers = tenant.headers) =>
    t.app.inject({ method, url, payload, headers });
  const getScrape = async (id: string) => (await call('GET', `/api/v1/website-scrapes/${id}`)).json().data as Scrape;
  type CrawledPage = { url: string; status: string; skipReason: string | null; depth: number; documentId: string | null };
  const pagesOf = async (id: string) => (await call('GET', `/api/v1/website-scrapes/${id}/pages?limit=100`)).json().data.items as CrawledPage[];
  const createScrape = async (knowledgeBaseId: string, settings: object = FAST, extra: object = {}) => {
    const response = await call('POST', '/api/v1/website-scrapes', { knowledgeBaseId, startUrl: `${site.origin}/`, settings, ...extra });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().data as Scrape;
  };
  const byPath = (pages: CrawledPage[]) => Object.fromEntries(pages.map((page) => [new URL(page.url).pathname, page]));

  it('crawls a site into a knowledge base: sitemaps, robots.txt, same site, depth, one document per page', async () => {
    const kb = await createKnowledgeBase(t, tenant);
    const requestsBefore = site.requests.length;
    const scrape = await createScrape(kb.id);
    expect(scrape).toMatchObject({ status: 'queued', runCount: 1 });

    await runJobs(t, 100);
    const done = await getScrape(scrape.id);
    expect(done.status).toBe('completed');
    expect(done.progress).toEqual({ found: 7, queued: 0, fetched: 5, skipped: 2, unchanged: 0, failed: 0 });

    const pages = byPath(await pagesOf(scrape.id));
    expect(Object.keys(pages).sort()).toEqual(['/', '/about', '/deep/from-sitemap', '/private/hidden', '/private/secret', '/products', '/products/widget']);
    expect(pages['/private/hidden']).toMatchObject({ status: 'skipped', skipReason: 'robots_disallowed' });
    expect(pages['/deep/from-sitemap']).toMatchObject({ status: 'fetched', depth: 0 });
    expect(pages['/products/widget']).toMatchObject({ status: 'fetched', depth: 2 });

    // robots.txt was honoured, the too-deep page and other sites were never requested.
    const requested = site.requests.slice(requestsBefore);
    expect(requested.filter((request) => request.includes('/private'))).toEqual([]);
    expect(site.hits('/products/widget/spec')).toBe(0);
    expect(requested).toContain('GET /sitemaps/deep.xml.gz');
    expect(site.headers.get('/about')?.['user-agent']).toMatch(/^Switchboard\//);

    // Each fetched page is a processed document of the knowledge base, keyed by its URL.
    const documents = (await call('GET', `/api/v1/documents?knowledgeBaseId=${kb.id}&limit=100`)).json().data.items as { id: string; sourceUrl: string; status: string; name: string }[];
    expect(documents.map((document) => new URL(document.sourceUrl).pathname).sort()).toEqual(['/', '/about', '/deep/from-sitemap', '/products', '/products/widget']);
    expect(documents.every((document) => document.status === 'processed')).toBe(true);
    expect(documents.find((document) => document.sourceUrl.endsWith('/about'))?.id).toBe(pages['/about']!.documentId);
  });

  it('rescrapes incrementally: unchanged pages skipped by ETag or content hash, changed ones updated', async () => {
    const kb = await createKnowledgeBase(t, tenant);
    const scrape = await createScrape(kb.id);
    await runJobs(t, 100);
    const productsBefore = byPath(await pagesOf(scrape.id))['/products']!;

    site.routes.set('/products', { body: articlePage('Products', 'Our products are now machine made.', ['/products/widget']) });
    const rescrape = await call('POST', `/api/v1/website-scrapes/${scrape.id}/rescrape`);
    expect(rescrape.statusCode).toBe(202);
    expect(rescrape.json().data).toMatchObject({ status: 'queued', runCount: 2 });
    await runJobs(t, 100);

    const done = await getScrape(scrape.id);
    expect(done.status).toBe('completed');
    expect(done.progress).toEqual({ found: 7, queued: 0, fetched: 1, skipped: 6, unchanged: 4, failed: 0 });
    const pages = byPath(await pagesOf(scrape.id));
    expect(pages['/products']).toMatchObject({ status: 'fetched', documentId: productsBefore.documentId });
    expect(site.headers.get('/about')?.['if-none-match']).toBe('"about-v1"');
    const product = (await call('GET', `/api/v1/documents/${productsBefore.documentId}`)).json().data;
    expect(product.status).toBe('processed');
    const documents = (await call('GET', `/api/v1/documents?knowledgeBaseId=${kb.id}&limit=100`)).json().data;
    expect(documents.pagination.total).toBe(5);
  });

  it('stops promptly: queued page jobs find the crawl stopped and fetch nothing', async () => {
    const kb = await createKnowledgeBase(t, tenant);
    const scrape = await createScrape(kb.id);
    await t.container.worker.pollOnce(); // the start job: robots.txt, sitemaps, seeds
    await t.container.worker.drain();
    const seeded = await getScrape(scrape.id);
    expect(seeded.progress.queued).toBeGreaterThan(0);

    const stopped = await call('POST', `/api/v1/website-scrapes/${scrape.id}/stop`);
    expect(stopped.statusCode).toBe(200);
    expect(stopped.json().data.status).toBe('stopped');
    const requestsAfterStop = site.requests.length;
    await runJobs(t, 100);
    expect(site.requests.length).toBe(requestsAfterStop);
    expect(await getScrape(scrape.id)).toMatchObject({ status: 'stopped', progress: { fetched: 0 } });
    expect((await call('POST', `/api/v1/website-scrapes/${scrape.id}/stop`)).statusCode).toBe(409);
  });

  it('removes the document of a page that is gone (404) on rescrape', async () => {
    const kb = await createKnowledgeBase(t, tenant);
    const response = await call('POST', '/api/v1/website-scrapes', { knowledgeBaseId: kb.id, startUrl: `${changingSite.origin}/`, settings: FAST });
    expect(response.statusCode, response.body).toBe(201);
    const scrape = response.json().data as Scrape;
    await runJobs(t, 100);
    const before = byPath(await pagesOf(scrape.id))['/about']!;
    expect(before).toMatchObject({ status: 'fetched' });
    const search = () => call('POST', `/api/v1/knowledge-bases/${kb.id}/search`, { query: 'about us example shop', topK: 20 });
    const documentsFound = async () => ((await search()).json().data.results as { documentId: string }[]).map((hit) => hit.documentId);
    expect(await documentsFound()).toContain(before.documentId);

    changingSite.routes.delete('/about');
    expect((await call('POST', `/api/v1/website-scrapes/${scrape.id}/rescrape`)).statusCode).toBe(202);
    await runJobs(t, 100);

    expect(byPath(await pagesOf(scrape.id))['/about']).toMatchObject({ status: 'skipped', skipReason: 'gone', documentId: null });
    expect((await call('GET', `/api/v1/documents/${before.documentId}`)).statusCode).toBe(404);
    expect(await documentsFound()).not.toContain(before.documentId);
    expect((await getScrape(scrape.id)).status).toBe('completed');
  });

  it('completes a run whose page job died without settling its page: the cron marks the page failed', async () => {
    const kb = await createKnowledgeBase(t, tenant);
    const scrape = await createScrape(kb.id, { ...FAST, maxDepth: 0 });
    await t.container.worker.pollOnce(); // the start job: robots.txt, sitemaps, seeds
    await t.container.worker.drain();
    // A worker that crashed on every attempt: the queue gave the job up (dead) and nothing settled the page.
    const [victim] = await queryRows<{ id: string; url: string }>(t.database.db, sql`
      SELECT id, url FROM website_scrape_pages WHERE scrape_id = ${scrape.id} AND status = 'queued' ORDER BY url LIMIT 1`);
    await t.database.db.execute(sql`
      UPDATE jobs SET state = 'dead', last_error = 'lease expired: the worker died or stalled'
      WHERE name = 'crawler.page' AND dedupe_key = ${`${scrape.id}:${victim!.id}`}`);
    await runJobs(t, 100);
    expect((await getScrape(scrape.id)).status).toBe('running');

    await t.container.queue.enqueue(t.database.db, 'crawler.resync-due', {});
    await runJobs(t, 100);
    const done = await getScrape(scrape.id);
    expect(done.status).toBe('completed');
    expect(done.progress.failed).toBe(1);
    const settled = (await pagesOf(scrape.id)).find((page) => page.url === victim!.url) as CrawledPage & { error: string };
    expect(settled).toMatchObject({ status: 'failed' });
    expect(settled.error).toContain('failed permanently: lease expired');
  });

  it('re-syncs scheduled crawls when they are due, through the cron job', async () => {
    const kb = await createKnowledgeBase(t, tenant);
    const scrape = await createScrape(kb.id, { ...FAST, maxPages: 2 }, { schedule: 'daily' });
    await runJobs(t, 100);
    const first = await getScrape(scrape.id);
    expect(first.status).toBe('completed');
    const dueIn = new Date(first.nextRunAt!).getTime() - Date.now();
    expect(dueIn).toBeGreaterThan(23 * 3600_000);
    expect(dueIn).toBeLessThanOrEqual(24 * 3600_000);

    // Not due yet: the cron job leaves it alone. Then time passes (the due date moves into the past).
    await t.container.queue.enqueue(t.database.db, 'crawler.resync-due', {});
    await runJobs(t);
    expect((await getScrape(scrape.id)).runCount).toBe(1);
    await t.database.db.execute(sql`UPDATE website_scrapes SET next_run_at = now() - interval '1 minute' WHERE id = ${scrape.id}`);
    await t.container.queue.enqueue(t.database.db, 'crawler.resync-due', {});
    await runJobs(t, 100);
    expect(await getScrape(scrape.id)).toMatchObject({ status: 'completed', runCount: 2 });
  });

  it('updates settings and schedule, lists with pagination, deletes', async () => {
    const own = await createTenant(t);
    const kb = await createKnowledgeBase(t, own);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await call('POST', '/api/v1/website-scrapes', { knowledgeBaseId: kb.id, startUrl: `${site.origin}/` }, own.headers)).json().data.id);
    }
    const page = (await call('GET', '/api/v1/website-scrapes?page=2&limit=2', undefined, own.headers)).json().data;
    expect(page.pagination).toEqual({ page: 2, limit: 2, total: 3, pages: 2 });
    expect(page.items).toHaveLength(1);

    const updated = await call('PATCH', `/api/v1/website-scrapes/${ids[0]}`, { settings: { maxPages: 10 }, schedule: 'weekly' }, own.headers);
    expect(updated.statusCode).toBe(200);
    expect(updated.json().data).toMatchObject({ schedule: 'weekly', settings: { maxPages: 10, maxDepth: 3, delayMs: 1000 } });
    expect((await call('PATCH', `/api/v1/website-scrapes/${ids[0]}`, { settings: { maxPages: 0 } }, own.headers)).statusCode).toBe(400);
    expect((await call('PATCH', `/api/v1/website-scrapes/${ids[0]}`, {}, own.headers)).statusCode).toBe(400);

    expect((await call('DELETE', `/api/v1/website-scrapes/${ids[1]}`, undefined, own.headers)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/website-scrapes/${ids[1]}`, undefined, own.headers)).statusCode).toBe(404);
    // Jobs of a deleted crawl find nothing to do.
    await runJobs(t, 100);
  });

  it('refuses bad input with 4xx: scheme, internal addresses, unknown knowledge base, bad ids', async () => {
    const kb = await createKnowledgeBase(t, tenant);
    const create = (startUrl: string, knowledgeBaseId = kb.id) => call('POST', '/api/v1/website-scrapes', { knowledgeBaseId, startUrl });
    expect((await create('ftp://example.com/')).statusCode).toBe(400);
    expect((await create('not a url')).statusCode).toBe(400);
    const metadata = await create('http://169.254.169.254/latest/meta-data/');
    expect(metadata.statusCode).toBe(422);
    expect(metadata.json().error.code).toBe('UNPROCESSABLE_ENTITY');
    expect((await create('http://10.0.0.1/')).statusCode).toBe(422);
    expect((await create('https://example.com/', '0190a0a0-0000-7000-8000-000000000001')).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/website-scrapes/not-a-uuid')).statusCode).toBe(400);
    expect((await call('POST', '/api/v1/website-scrapes', { knowledgeBaseId: kb.id, startUrl: 'https://example.com/', settings: { maxDepth: 99 } })).statusCode).toBe(400);
  });

  it('previews one URL without storing anything, with the same guard', async () => {
    const preview = await call('POST', '/api/v1/website-scrapes/read-content', { url: `${site.origin}/about` });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json().data).toMatchObject({ finalUrl: `${site.origin}/about`, status: 200, title: 'About us' });
    expect(preview.json().data.content).toContain('We are a family business.');
    expect(preview.json().data.content).not.toContain('Copyright Example Shop');

    expect((await call('POST', '/api/v1/website-scrapes/read-content', { url: 'http://169.254.169.254/' })).statusCode).toBe(422);
    const port = new URL(site.origin).port;
    const localhost = await call('POST', '/api/v1/website-scrapes/read-content', { url: `http://localhost:${port}/about` });
    expect(localhost.statusCode).toBe(422);
    expect((await call('POST', '/api/v1/website-scrapes/read-content', { url: `${site.origin}/robots.txt` })).statusCode).toBe(415);
    expect((await call('POST', '/api/v1/website-scrapes/read-content', { url: `${site.origin}/missing` })).statusCode).toBe(502);
  });

  it('lets a read-only key read but not start crawls', async () => {
    const reader = await createApiKey(t, tenant, ['knowledge:read']);
    expect((await call('GET', '/api/v1/website-scrapes', undefined, reader.headers)).statusCode).toBe(200);
    const kb = await createKnowledgeBase(t, tenant);
    expect((await call('POST', '/api/v1/website-scrapes', { knowledgeBaseId: kb.id, startUrl: `${site.origin}/` }, reader.headers)).statusCode).toBe(403);
  });
});
