import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { systemContext } from '../../../src/app/context.js';
import { chunks } from '../../../src/db/schema.js';
import { withTx } from '../../../src/db/tx.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, runJobs } from './knowledge-helpers.js';

describe('upsertDocumentFromContent (the crawler entry point)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_EVENT_LOOP_DELAY_MS: '0' } });
  });
  afterAll(() => t.close());

  it('creates, skips unchanged content, replaces changed content and reports duplicates', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const ctx = systemContext(tenant.id, 'crawl-test');
    const upsert = t.container.modules.knowledge.upsertDocumentFromContent;
    const page = { knowledgeBaseId: kb.id, sourceUrl: 'https://shop.example/help/shipping', contentType: 'markdown' as const };

    const created = await upsert(ctx, { ...page, title: 'Shipping', content: '# Shipping\n\nWe ship within two days.', metadata: { scrapeId: 's1' } });
    expect(created.outcome).toBe('created');
    expect(created.document).toMatchObject({ name: 'Shipping', type: 'markdown', sourceUrl: page.sourceUrl, status: 'uploaded', metadata: { scrapeId: 's1' } });
    await runJobs(t);
    const first = (await t.app.inject({ method: 'GET', url: `/api/v1/documents/${created.document.id}`, headers: tenant.headers })).json().data;
    expect(first).toMatchObject({ status: 'processed', metadata: { scrapeId: 's1' } });

    const unchanged = await upsert(ctx, { ...page, title: 'Shipping', content: '# Shipping\n\nWe ship within two days.' });
    expect(unchanged).toMatchObject({ outcome: 'unchanged', document: { id: created.document.id, status: 'processed' } });

    // Inside the caller's transaction, as the crawler's job does it.
    const updated = await withTx(t.database.db, (tx) =>
      upsert(ctx, { ...page, title: 'Shipping & delivery', content: '# Shipping\n\nWe now ship the same day.', metadata: { scrapeId: 's2' } }, { tx }),
    );
    expect(updated.outcome).toBe('updated');
    expect(updated.document).toMatchObject({ id: created.document.id, name: 'Shipping & delivery', status: 'uploaded', metadata: { scrapeId: 's2' } });
    expect(updated.document.contentHash).not.toBe(created.document.contentHash);
    await runJobs(t);
    const stored = await t.database.db.select().from(chunks).where(eq(chunks.documentId, created.document.id));
    expect(stored.map((chunk) => chunk.content).join(' ')).toContain('same day');
    expect(stored.map((chunk) => chunk.content).join(' ')).not.toContain('two days');
    const download = await t.app.inject({ method: 'GET', url: `/api/v1/documents/${created.document.id}/download`, headers: tenant.headers });
    expect(download.body).toBe('# Shipping\n\nWe now ship the same day.');
    // The previous original was removed once the replacement committed.
    expect(await t.container.storage.exists(`tenants/${tenant.id}/documents/${created.document.id}/${created.document.contentHash}`)).toBe(false);

    const duplicate = await upsert(ctx, { ...page, sourceUrl: 'https://shop.example/help/shipping?ref=nav', content: '# Shipping\n\nWe now ship the same day.' });
    expect(duplicate).toMatchObject({ outcome: 'duplicate', document: { id: created.document.id } });

    const html = await upsert(ctx, { knowledgeBaseId: kb.id, sourceUrl: 'https://shop.example/about', contentType: 'html', content: '<html><head><title>About</title></head><body><p>Family business.</p></body></html>' });
    expect(html.document).toMatchObject({ name: 'about', type: 'html' });
    await runJobs(t);
    const about = (await t.app.inject({ method: 'GET', url: `/api/v1/documents/${html.document.id}`, headers: tenant.headers })).json().data;
    expect(about).toMatchObject({ status: 'processed', metadata: { title: 'About' } });
  });

  it('refuses another tenant\'s knowledge base', async () => {
    const owner = await createTenant(t);
    const other = await createTenant(t);
    const kb = await createKnowledgeBase(t, owner);
    await expect(
      t.container.modules.knowledge.upsertDocumentFromContent(systemContext(other.id, 'x'), {
        knowledgeBaseId: kb.id, sourceUrl: 'https://x.example/', contentType: 'markdown', content: 'hello',
      }),
    ).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
  });
});
