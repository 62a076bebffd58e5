import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { systemContext } from '../../../src/app/context.js';
import { queryRows } from '../../../src/db/client.js';
import { withTx } from '../../../src/db/tx.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createApiKey, createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { runJobs, upload } from '../knowledge/knowledge-helpers.js';
import { searchKb, seedKnowledgeBase } from './retrieval-helpers.js';

describe('retrieval (lexical BM25F)', () => {
  let t: TestApp;
  let tenant: TestTenant;
  let kbId: string;
  let documentIds: Record<string, string>;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_AI: '10000' } });
    tenant = await createTenant(t);
    ({ kb: { id: kbId }, documentIds } = await seedKnowledgeBase(t, tenant));
  });
  afterAll(() => t.close());

  const search = (body: Record<string, unknown>, who = tenant, kb = kbId) => searchKb(t, who, kb, body);

  it('ranks the document that answers the question first', async () => {
    const cases: [string, string][] = [
      ['how long do refunds take to reach my card', 'refunds.md'],
      ['I forgot my password', 'passwords.md'],
      ['when does express delivery arrive', 'shipping.md'],
      ['is accidental damage covered by the warranty', 'warranty.md'],
      ['revoke an api key', 'api.md'],
    ];
    for (const [query, expected] of cases) {
      const { status, hits, mode } = await search({ query });
      expect(status, query).toBe(200);
      expect(mode).toBe('lexical');
      expect(hits[0]?.documentId, query).toBe(documentIds[expected]);
      expect(hits.every((hit, i) => i === 0 || hits[i - 1]!.score >= hit.score), query).toBe(true);
    }
  });

  it('returns titles, content and a snippet with matched words marked, HTML-escaped', async () => {
    const { hits } = await search({ query: 'refund card', topK: 1 });
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ knowledgeBaseId: kbId, documentId: documentIds['refunds.md'] });
    expect(hits[0]!.documentTitle.length).toBeGreaterThan(0);
    // The ranking statement reads the chunk's own row: every field is the stored one.
    const [stored] = await queryRows<{ content: string; headings: string[]; source_url: string | null; title: string }>(t.database.db, sql`
      SELECT c.content, c.headings, d.source_url, coalesce(d.metadata ->> 'title', d.name) AS title
      FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ${hits[0]!.chunkId}`);
    expect(hits[0]).toMatchObject({ content: stored!.content, headings: stored!.headings, sourceUrl: stored!.source_url, documentTitle: stored!.title });
    // Stemming: the query says "refund", the text "Refunds".
    expect(hits[0]!.snippet).toContain('<mark>Refunds</mark>');
    expect(hits[0]!.snippet).toContain('<mark>card</mark>');

    const other = await createTenant(t);
    const { kb } = await seedKnowledgeBase(t, other, { 'xss.md': 'Beware of <script>alert("refund")</script> tricks in refund emails.' });
    const [hit] = (await search({ query: 'refund' }, other, kb.id)).hits;
    expect(hit!.snippet).not.toContain('<script>');
    expect(hit!.snippet).toContain('&lt;script&gt;');
  });

  it('never returns another tenant\'s chunks, even for the same words, and 404s their knowledge base', async () => {
    const other = await createTenant(t);
    const { kb: otherKb } = await seedKnowledgeBase(t, other, { 'refunds.md': '# Refund policy\n\nRefunds refunds refunds: card refund in 30 days.' });
    const mine = await search({ query: 'refund card', topK: 50 });
    expect(mine.hits.length).toBeGreaterThan(0);
    expect(mine.hits.every((hit) => hit.knowledgeBaseId === kbId)).toBe(true);
    expect(mine.hits.map((hit) => hit.documentId)).not.toContain(undefined);

    const cross = await search({ query: 'refund' }, tenant, otherKb.id);
    expect(cross.status).toBe(404);
    expect(cross.body.error.code).toBe('RESOURCE_NOT_FOUND');
    // The service refuses a mix of own and foreign knowledge bases as a whole.
    await expect(
      t.container.modules.retrieval.search(systemContext(tenant.id, 'test'), { knowledgeBaseIds: [kbId, otherKb.id], query: 'refund' }),
    ).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
  });

  it('keeps knowledge bases of one tenant apart and searches several at once', async () => {
    const { kb: second, documentIds: secondDocs } = await seedKnowledgeBase(t, tenant, { 'returns.md': 'Returns of a refund request are handled by the returns desk.' });
    const firstOnly = await search({ query: 'returns desk refund', topK: 50 });
    expect(firstOnly.hits.map((hit) => hit.documentId)).not.toContain(secondDocs['returns.md']);
    const both = await t.container.modules.retrieval.search(systemContext(tenant.id, 'test'), { knowledgeBaseIds: [kbId, second.id], query: 'returns desk' });
    expect(both[0]?.documentId).toBe(secondDocs['returns.md']);
  });

  it('filters by document ids and by metadata', async () => {
    const onlyShipping = await search({ query: 'refund delivery days', documentIds: [documentIds['shipping.md']] });
    expect(onlyShipping.hits.length).toBeGreaterThan(0);
    expect(onlyShipping.hits.every((hit) => hit.documentId === documentIds['shipping.md'])).toBe(true);

    await t.database.db.execute(sql`UPDATE documents SET metadata = metadata || '{"audience":"staff"}'::jsonb WHERE id = ${documentIds['warranty.md']}`);
    const staff = await search({ query: 'warranty damage refund', metadata: { audience: 'staff' } });
    expect(staff.hits.map((hit) => hit.documentId)).toEqual([documentIds['warranty.md']]);
    expect((await search({ query: 'warranty', metadata: { audience: 'nobody' } })).hits).toEqual([]);
  });

  it('applies topK and minScore', async () => {
    const all = await search({ query: 'days', topK: 100 });
    expect(all.hits.length).toBeGreaterThan(1);
    expect((await search({ query: 'days', topK: 1 })).hits).toHaveLength(1);
    const threshold = all.hits[0]!.score;
    const strict = await search({ query: 'days', minScore: threshold });
    expect(strict.hits.every((hit) => hit.score >= threshold)).toBe(true);
    expect(strict.hits.length).toBeLessThan(all.hits.length);
  });

  it('answers a query of stop words or unknown words with an empty list, and rejects bad input with 400', async () => {
    expect((await search({ query: 'the of and' })).hits).toEqual([]);
    expect((await search({ query: 'xylophonequartz' })).hits).toEqual([]);
    for (const body of [{ query: '' }, { query: '   ' }, { query: 'a', topK: 0 }, { query: 'a', topK: 101 }, { query: 'a', documentIds: ['nope'] }, {}]) {
      const response = await search(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    const unknown = await search({ query: 'refund' }, tenant, '0190a0a0-0000-7000-8000-000000000001');
    expect(unknown.status).toBe(404);
  });

  it('sees new and deleted documents at once although results are cached', async () => {
    const query = { query: 'gift card balance' };
    const before = await search(query);
    expect(before.hits.every((hit) => hit.documentId !== undefined)).toBe(true);
    const response = await upload(t, tenant, kbId, { filename: 'gift.md', content: Buffer.from('# Gift cards\n\nCheck your gift card balance on the gift card page.'), type: 'text/markdown' });
    const giftId = response.json().data.id as string;
    await runJobs(t);
    const after = await search(query);
    expect(after.hits[0]?.documentId).toBe(giftId);

    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/documents/${giftId}`, headers: tenant.headers })).statusCode).toBeLessThan(300);
    const gone = await search(query);
    expect(gone.hits.map((hit) => hit.documentId)).not.toContain(giftId);
  });

  it('indexDocument is idempotent and keeps the corpus statistics exact', async () => {
    const ctx = systemContext(tenant.id, 'test');
    const counts = async () =>
      (await queryRows<{ postings: number; stats: number; chunks: number; df: number }>(t.database.db, sql`
        SELECT (SELECT count(*) FROM retrieval_postings WHERE knowledge_base_id = ${kbId})::int AS postings,
          (SELECT chunk_count FROM retrieval_kb_stats WHERE knowledge_base_id = ${kbId})::int AS stats,
          (SELECT count(*) FROM retrieval_chunks WHERE knowledge_base_id = ${kbId})::int AS chunks,
          (SELECT sum(df) FROM retrieval_term_stats WHERE knowledge_base_id = ${kbId})::int AS df`))[0]!;
    const before = await counts();
    expect(before.stats).toBe(before.chunks);
    expect(before.df).toBe(before.postings);
    for (let i = 0; i < 2; i++) await withTx(t.database.db, (tx) => t.container.modules.retrieval.indexDocument(tx, ctx, documentIds['hours.md']!));
    expect(await counts()).toEqual(before);
    await withTx(t.database.db, (tx) => t.container.modules.retrieval.removeDocument(tx, ctx, documentIds['hours.md']!));
    const removed = await counts();
    expect(removed.chunks).toBeLessThan(before.chunks);
    expect(removed.stats).toBe(removed.chunks);
    expect(removed.df).toBe(removed.postings);
    expect((await search({ query: 'opening hours public holidays' })).hits.map((hit) => hit.documentId)).not.toContain(documentIds['hours.md']);
    await withTx(t.database.db, (tx) => t.container.modules.retrieval.indexDocument(tx, ctx, documentIds['hours.md']!));
    expect(await counts()).toEqual(before);
  });

  it('reports indexing stats per tenant and needs knowledge:read', async () => {
    const stats = await t.app.inject({ method: 'GET', url: '/api/v1/retrieval/stats', headers: tenant.headers });
    expect(stats.statusCode).toBe(200);
    expect(stats.json().data).toMatchObject({ chunksEmbedded: 0, embeddingModel: null, byModel: [] });
    expect(stats.json().data.chunksIndexed).toBeGreaterThanOrEqual(6);
    const empty = await createTenant(t);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/retrieval/stats', headers: empty.headers })).json().data.chunksIndexed).toBe(0);
    const writer = await createApiKey(t, tenant, ['knowledge:write']);
    expect((await search({ query: 'refund' }, { ...tenant, headers: writer.headers })).status).toBe(403);
  });
});
