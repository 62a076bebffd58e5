import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { chunks, documents } from '../../../src/db/schema.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createApiKey, createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, runJobs, upload } from './knowledge-helpers.js';

describe('knowledge bases', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_UPLOAD: '1000', MAX_EVENT_LOOP_DELAY_MS: '0' } });
  });
  afterAll(() => t.close());

  const call = (tenant: TestTenant, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, payload, headers: tenant.headers });

  it('creates, reads, updates and deletes a knowledge base with defaults and validation', async () => {
    const tenant = await createTenant(t);
    const created = await call(tenant, 'POST', '/api/v1/knowledge-bases', { name: '  Support  ', description: 'FAQ and policies' });
    expect(created.statusCode).toBe(201);
    const kb = created.json().data;
    expect(kb).toMatchObject({
      name: 'Support', description: 'FAQ and policies', chunkSize: 512, chunkOverlap: 64, settings: { extractMetadata: true },
      documentCount: 0, chunkCount: 0, lastIndexedAt: null,
    });
    expect((await call(tenant, 'GET', `/api/v1/knowledge-bases/${kb.id}`)).json().data).toEqual(kb);

    const updated = await call(tenant, 'PATCH', `/api/v1/knowledge-bases/${kb.id}`, { chunkSize: 256, chunkOverlap: 32, description: null });
    expect(updated.json().data).toMatchObject({ chunkSize: 256, chunkOverlap: 32, description: null });
    // An overlap that no longer fits a smaller chunk size is clamped to half of it.
    expect((await call(tenant, 'PATCH', `/api/v1/knowledge-bases/${kb.id}`, { chunkSize: 64 })).json().data).toMatchObject({ chunkSize: 64, chunkOverlap: 32 });

    for (const body of [{ chunkSize: 10 }, { chunkSize: 200, chunkOverlap: 150 }, { chunkOverlap: 40 }, {}, { settings: { unknown: true } }]) {
      const response = await call(tenant, 'PATCH', `/api/v1/knowledge-bases/${kb.id}`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION_ERROR');
    }
    expect((await call(tenant, 'POST', '/api/v1/knowledge-bases', { name: '' })).statusCode).toBe(400);

    expect((await call(tenant, 'DELETE', `/api/v1/knowledge-bases/${kb.id}`)).statusCode).toBe(204);
    expect((await call(tenant, 'GET', `/api/v1/knowledge-bases/${kb.id}`)).statusCode).toBe(404);
    expect((await call(tenant, 'DELETE', `/api/v1/knowledge-bases/${kb.id}`)).statusCode).toBe(404);
  });

  it('lists with search and pagination, newest first', async () => {
    const tenant = await createTenant(t);
    for (const name of ['Billing', 'Shipping', 'Returns', '50%_off']) await createKnowledgeBase(t, tenant, { name });
    const page = (await call(tenant, 'GET', '/api/v1/knowledge-bases?limit=3&page=1')).json().data;
    expect(page.pagination).toEqual({ page: 1, limit: 3, total: 4, pages: 2 });
    expect(page.items.map((item: { name: string }) => item.name)).toEqual(['50%_off', 'Returns', 'Shipping']);
    const search = (await call(tenant, 'GET', '/api/v1/knowledge-bases?search=ppin')).json().data;
    expect(search.items.map((item: { name: string }) => item.name)).toEqual(['Shipping']);
    expect((await call(tenant, 'GET', '/api/v1/knowledge-bases?search=%25_')).json().data.items).toHaveLength(1);
  });

  it('retrains every document with the current settings and summarises what it knows', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant, { chunkSize: 512, chunkOverlap: 0 });
    const long = Array.from({ length: 60 }, (_, i) => `Paragraph ${i}: our shop ships orders within two working days to most countries.`).join('\n\n');
    const document = (await upload(t, tenant, kb.id, { filename: 'shipping.md', content: Buffer.from(`# Shipping\n\n${long}`) })).json().data;
    await upload(t, tenant, kb.id, { filename: 'returns.txt', content: Buffer.from('Returns are free within 30 days.') });
    await runJobs(t);
    const before = (await call(tenant, 'GET', `/api/v1/documents/${document.id}`)).json().data;
    expect(before.status).toBe('processed');

    await call(tenant, 'PATCH', `/api/v1/knowledge-bases/${kb.id}`, { chunkSize: 128 });
    const retrain = await call(tenant, 'POST', `/api/v1/knowledge-bases/${kb.id}/retrain`);
    expect(retrain.statusCode).toBe(202);
    expect(retrain.json().data).toEqual({ knowledgeBaseId: kb.id, queued: 2 });
    expect((await call(tenant, 'GET', `/api/v1/documents/${document.id}`)).json().data.status).toBe('uploaded');
    await runJobs(t);
    const after = (await call(tenant, 'GET', `/api/v1/documents/${document.id}`)).json().data;
    expect(after.status).toBe('processed');
    expect(after.chunkCount).toBeGreaterThan(before.chunkCount);

    const kbNow = (await call(tenant, 'GET', `/api/v1/knowledge-bases/${kb.id}`)).json().data;
    expect(kbNow).toMatchObject({ documentCount: 2, chunkCount: after.chunkCount + 1 });
    const summary = (await call(tenant, 'GET', `/api/v1/knowledge-bases/${kb.id}/summary`)).json().data;
    expect(summary).toMatchObject({
      knowledgeBaseId: kb.id,
      documents: { total: 2, byType: { markdown: 1, txt: 1 }, byStatus: { processed: 2 } },
      chunks: after.chunkCount + 1,
      lastIndexedAt: kbNow.lastIndexedAt,
    });
    expect(summary.tokens).toBeGreaterThan(100);
    expect(summary.topDocuments[0]).toMatchObject({ id: document.id, type: 'markdown', chunkCount: after.chunkCount });
  });

  it('deletion removes documents, chunks and stored files', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const keep = await createKnowledgeBase(t, tenant, { name: 'Keep' });
    await upload(t, tenant, kb.id, { filename: 'a.txt', content: Buffer.from('Alpha content') });
    await upload(t, tenant, kb.id, { filename: 'b.txt', content: Buffer.from('Beta content') });
    const kept = (await upload(t, tenant, keep.id, { filename: 'c.txt', content: Buffer.from('Gamma content') })).json().data;
    await runJobs(t);
    const rows = await t.database.db.select().from(documents).where(eq(documents.knowledgeBaseId, kb.id));
    expect(rows).toHaveLength(2);

    expect((await call(tenant, 'DELETE', `/api/v1/knowledge-bases/${kb.id}`)).statusCode).toBe(204);
    expect(await t.database.db.select().from(documents).where(eq(documents.knowledgeBaseId, kb.id))).toEqual([]);
    expect(await t.database.db.select().from(chunks).where(eq(chunks.knowledgeBaseId, kb.id))).toEqual([]);
    await runJobs(t);
    for (const row of rows) expect(await t.container.storage.exists(row.storageKey)).toBe(false);
    expect((await call(tenant, 'GET', `/api/v1/documents/${kept.id}`)).json().data.status).toBe('processed');
    expect((await call(tenant, 'GET', `/api/v1/documents/${kept.id}/download`)).body).toBe('Gamma content');
  });

  it('requires knowledge:read, knowledge:write and knowledge:delete', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const reader = await createApiKey(t, tenant, ['knowledge:read']);
    const writer = await createApiKey(t, tenant, ['knowledge:read', 'knowledge:write']);
    const as = (headers: { authorization: string }, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
      t.app.inject({ method, url, headers, payload });
    expect((await as(reader.headers, 'GET', `/api/v1/knowledge-bases/${kb.id}`)).statusCode).toBe(200);
    expect((await as(reader.headers, 'POST', '/api/v1/knowledge-bases', { name: 'x' })).statusCode).toBe(403);
    expect((await as(writer.headers, 'POST', '/api/v1/knowledge-bases', { name: 'x' })).statusCode).toBe(201);
    expect((await as(writer.headers, 'DELETE', `/api/v1/knowledge-bases/${kb.id}`)).statusCode).toBe(403);
  });
});
