import { randomBytes } from 'node:crypto';

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { systemContext } from '../../../src/app/context.js';
import { queryRows } from '../../../src/db/client.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, runJobs } from './knowledge-helpers.js';

/** A multipart body with several `file` parts, the way browsers send a multi-file input. */
const multiFileForm = (fields: Record<string, string>, files: { filename: string; content: Buffer; type?: string }[]) => {
  const boundary = `----switchboard${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  for (const file of files) {
    parts.push(
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${file.filename}"\r\ncontent-type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
};

type DocumentState = { id: string; status: string; progress: number; chunk_count: number; error_message: string | null };

describe('batched ingestion', () => {
  let t: TestApp;
  beforeAll(async () => {
    // One worker slot: the number of claim rounds then shows how many documents each step handled per call.
    t = await createTestApp({ env: { WORKER_CONCURRENCY: '1' } });
  });
  afterAll(() => t.close());

  const states = (knowledgeBaseId: string) =>
    queryRows<DocumentState>(t.database.db, sql`
      SELECT id, status, progress, chunk_count, error_message FROM documents WHERE knowledge_base_id = ${knowledgeBaseId} ORDER BY id`);
  const roundsUntilIdle = async () => {
    for (let round = 1; round <= 100; round++) {
      const claimed = await t.container.worker.pollOnce();
      await t.container.worker.drain();
      if (claimed === 0) return round;
    }
    throw new Error('jobs still pending');
  };
  const search = async (tenant: TestTenant, knowledgeBaseId: string, query: string) =>
    (await t.app.inject({ method: 'POST', url: `/api/v1/knowledge-bases/${knowledgeBaseId}/search`, headers: tenant.headers, payload: { query } })).json().data
      .results as { documentId: string }[];
  const indexTotals = async (knowledgeBaseId: string) =>
    (await queryRows<{ postings: number; df: number; chunks: number; stats: number }>(t.database.db, sql`
      SELECT (SELECT count(*) FROM retrieval_postings WHERE knowledge_base_id = ${knowledgeBaseId})::int AS postings,
        (SELECT coalesce(sum(df), 0) FROM retrieval_term_stats WHERE knowledge_base_id = ${knowledgeBaseId})::int AS df,
        (SELECT count(*) FROM retrieval_chunks WHERE knowledge_base_id = ${knowledgeBaseId})::int AS chunks,
        (SELECT chunk_count FROM retrieval_kb_stats WHERE knowledge_base_id = ${knowledgeBaseId})::int AS stats`))[0]!;

  it('takes many documents through parse, chunk and index a step at a time; a bad one fails alone', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const ctx = systemContext(tenant.id, 'bulk-import');
    const pages = Array.from({ length: 30 }, (_, i) => ({
      sourceUrl: `https://docs.example/page-${i}`,
      title: `Page ${i}`,
      content: `# Topic ${i}\n\nThe warehouse in district ${i} opens at ${i % 12} o'clock and ships parcel type ${i}.`,
      contentType: 'markdown' as const,
    }));
    const input = {
      knowledgeBaseId: kb.id,
      documents: [
        ...pages,
        { sourceUrl: 'https://docs.example/copy-of-0', content: pages[0]!.content, contentType: 'markdown' as const },
        { sourceUrl: 'https://docs.example/blank', content: '   \n ', contentType: 'markdown' as const },
      ],
    };
    const results = await t.container.modules.knowledge.upsertDocumentsFromContent(ctx, input);
    expect(results.map((result) => result.outcome)).toEqual([...pages.map(() => 'created'), 'duplicate', 'created']);
    // The copy points at the document its first occurrence in this call created.
    expect(results[30]!.document.id).toBe(results[0]!.document.id);
    expect(results[0]!.document).toMatchObject({ status: 'uploaded', name: 'Page 0', sourceUrl: pages[0]!.sourceUrl });

    // parse, chunk and index each ran once over the whole set, then nothing was left.
    expect(await roundsUntilIdle()).toBe(4);
    const blank = results[31]!.document.id;
    const after = await states(kb.id);
    expect(after.filter((doc) => doc.id !== blank).every((doc) => doc.status === 'processed' && doc.progress === 100 && doc.chunk_count === 1)).toBe(true);
    expect(after.find((doc) => doc.id === blank)).toMatchObject({ status: 'failed', error_message: expect.stringMatching(/^no_text: /) });
    expect((await search(tenant, kb.id, 'warehouse district 17'))[0]?.documentId).toBe(results[17]!.document.id);
    const totals = await indexTotals(kb.id);
    expect(totals).toMatchObject({ chunks: 30, stats: 30 });
    expect(totals.df).toBe(totals.postings);

    // Re-sending identical content is detected: nothing written, nothing queued.
    const again = await t.container.modules.knowledge.upsertDocumentsFromContent(ctx, input);
    expect(again.map((result) => result.outcome)).toEqual([...pages.map(() => 'unchanged'), 'duplicate', 'unchanged']);
    expect(await t.container.worker.pollOnce()).toBe(0);

    await expect(
      t.container.modules.knowledge.upsertDocumentsFromContent(ctx, { knowledgeBaseId: kb.id, documents: [pages[1]!, pages[1]!] }),
    ).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(
      t.container.modules.knowledge.upsertDocumentsFromContent(systemContext((await createTenant(t)).id, 'x'), input),
    ).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
  });

  it('retries only the document whose step failed unexpectedly, and replayed steps change nothing', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const ctx = systemContext(tenant.id, 'bulk-import');
    const results = await t.container.modules.knowledge.upsertDocumentsFromContent(ctx, {
      knowledgeBaseId: kb.id,
      documents: ['alpha', 'bravo', 'charlie'].map((word) => ({ sourceUrl: `https://docs.example/${word}`, content: `# ${word}\n\nAll about ${word}.`, contentType: 'markdown' as const })),
    });
    const [alpha, bravo, charlie] = results.map((result) => result.document);
    // The storage answers every read but bravo's with its content; bravo's read fails the way an outage would.
    const storage = t.container.storage;
    const get = storage.get;
    storage.get = async (key) => {
      if (key.endsWith(`/${bravo!.id}/${bravo!.contentHash}`)) throw new Error('storage outage');
      return get(key);
    };
    try {
      await t.container.worker.pollOnce();
      await t.container.worker.drain();
    } finally {
      storage.get = get;
    }
    const parseJobs = await queryRows<{ document_id: string; state: string; attempts: number; last_error: string | null }>(t.database.db, sql`
      SELECT payload->>'documentId' AS document_id, state, attempts, last_error FROM jobs
      WHERE name = 'knowledge.parse' AND tenant_id = ${tenant.id}`);
    const byDocument = new Map(parseJobs.map((job) => [job.document_id, job]));
    expect(byDocument.get(alpha!.id)).toMatchObject({ state: 'completed', attempts: 1 });
    expect(byDocument.get(charlie!.id)).toMatchObject({ state: 'completed', attempts: 1 });
    expect(byDocument.get(bravo!.id)).toMatchObject({ state: 'queued', attempts: 1, last_error: 'storage outage' });
    const midway = new Map((await states(kb.id)).map((doc) => [doc.id, doc]));
    expect(midway.get(alpha!.id)).toMatchObject({ status: 'processing', progress: 40 });
    expect(midway.get(bravo!.id)).toMatchObject({ status: 'processing', progress: 10 });

    // The retry (made due now rather than after its backoff) finishes bravo like the others.
    await t.database.db.execute(sql`UPDATE jobs SET run_at = now() WHERE state = 'queued' AND tenant_id = ${tenant.id}`);
    await runJobs(t);
    const done = await states(kb.id);
    expect(done.map((doc) => [doc.status, doc.progress])).toEqual(done.map(() => ['processed', 100]));
    const chunkIds = await queryRows<{ id: string }>(t.database.db, sql`SELECT id FROM chunks WHERE knowledge_base_id = ${kb.id} ORDER BY id`);
    const totals = await indexTotals(kb.id);

    // Every step replayed for the same runs (as after a crash between commit and acknowledgement): no-ops.
    const runs = await queryRows<{ id: string; processing_run_id: string }>(t.database.db, sql`
      SELECT id, processing_run_id FROM documents WHERE knowledge_base_id = ${kb.id}`);
    for (const step of ['knowledge.parse', 'knowledge.chunk', 'knowledge.index']) {
      await t.container.queue.enqueueMany(t.database.db, step, runs.map((run) => ({ payload: { tenantId: tenant.id, documentId: run.id, runId: run.processing_run_id } })));
    }
    await runJobs(t);
    expect(await states(kb.id)).toEqual(done);
    expect(await queryRows<{ id: string }>(t.database.db, sql`SELECT id FROM chunks WHERE knowledge_base_id = ${kb.id} ORDER BY id`)).toEqual(chunkIds);
    expect(await indexTotals(kb.id)).toEqual(totals);
  });

  it('uploads many files in one request, reporting the ones it refuses, and removes a document with its index rows', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const guide = Buffer.from('# Returns\n\nReturn any item within 30 days for a full refund.');
    const form = multiFileForm({ knowledgeBaseId: kb.id }, [
      { filename: 'returns.md', content: guide, type: 'text/markdown' },
      { filename: 'hours.txt', content: Buffer.from('We are open from 9 to 5 on weekdays.'), type: 'text/plain' },
      { filename: 'returns-copy.md', content: guide, type: 'text/markdown' },
      { filename: 'tool.exe', content: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]) },
      { filename: 'invoice.pdf', content: Buffer.from('just text, not a PDF'), type: 'application/pdf' },
    ]);
    const post = (body: { payload: Buffer; headers: Record<string, string> }, headers = tenant.headers) =>
      t.app.inject({ method: 'POST', url: '/api/v1/documents/batch', headers: { ...headers, ...body.headers }, payload: body.payload });

    const response = await post(form);
    expect(response.statusCode, response.body).toBe(201);
    const { documents, skipped } = response.json().data as { documents: { id: string; name: string; status: string }[]; skipped: { filename: string; code: string; existingDocumentId?: string }[] };
    expect(documents.map((doc) => [doc.name, doc.status])).toEqual([['returns.md', 'uploaded'], ['hours.txt', 'uploaded']]);
    expect(skipped).toEqual([
      expect.objectContaining({ filename: 'tool.exe', code: 'UNSUPPORTED_MEDIA_TYPE' }),
      expect.objectContaining({ filename: 'invoice.pdf', code: 'UNPROCESSABLE_ENTITY' }),
      expect.objectContaining({ filename: 'returns-copy.md', code: 'CONFLICT', existingDocumentId: documents[0]!.id }),
    ]);

    await runJobs(t);
    expect((await states(kb.id)).map((doc) => doc.status)).toEqual(['processed', 'processed']);
    expect((await search(tenant, kb.id, 'refund'))[0]?.documentId).toBe(documents[0]!.id);
    const again = (await post(multiFileForm({ knowledgeBaseId: kb.id }, [{ filename: 'returns.md', content: guide }]))).json().data;
    expect(again).toEqual({ documents: [], skipped: [expect.objectContaining({ code: 'CONFLICT', existingDocumentId: documents[0]!.id })] });

    expect((await post(multiFileForm({ knowledgeBaseId: kb.id }, []))).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/documents/batch', headers: tenant.headers, payload: { knowledgeBaseId: kb.id } })).statusCode).toBe(415);
    const reader = await createTenant(t, { scopes: ['knowledge:read'] });
    expect((await post(form, reader.headers)).statusCode).toBe(403);

    // Deleting a document cascades to its chunks' index rows; postings and document frequencies follow.
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/documents/${documents[0]!.id}`, headers: tenant.headers })).statusCode).toBe(204);
    const totals = await indexTotals(kb.id);
    expect(totals).toMatchObject({ chunks: 1, stats: 1 });
    expect(totals.df).toBe(totals.postings);
    expect(await search(tenant, kb.id, 'refund')).toEqual([]);
  });
});
