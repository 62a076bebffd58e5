import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { and, eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { chunks, documentParses, documents } from '../../../src/db/schema.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, fixture, multipart, runJobs, startDocumentServer, upload, type DocumentServer } from './knowledge-helpers.js';

const UPLOAD_LIMIT = 1_048_576;

const xlsxWorkbook = async () => {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Opening hours');
  sheet.addRow(['Day', 'Opens', 'Closes']);
  sheet.addRow(['Monday', '09:00', '17:30']);
  sheet.addRow(['Saturday', '10:00', '14:00']);
  return Buffer.from(await workbook.xlsx.writeBuffer());
};

describe('documents', () => {
  let t: TestApp;
  let site: DocumentServer;
  beforeAll(async () => {
    site = await startDocumentServer({
      '/guides/returns.md': { type: 'text/markdown', body: '# Returns\n\nYou can return any item within 30 days of delivery.\n' },
      '/about': { type: 'text/html; charset=utf-8', body: '<html><head><title>About us</title></head><body><h1>About</h1><p>We sell bicycles in Ghent since 1998.</p></body></html>' },
      '/broken': { status: 500, type: 'text/plain', body: 'oops' },
      '/gone': { status: 404, type: 'text/plain', body: 'gone' },
      '/huge.txt': { type: 'text/plain', body: Buffer.alloc(UPLOAD_LIMIT + 10, 'a') },
      '/program.exe': { type: 'application/octet-stream', body: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]) },
    });
    t = await createTestApp({
      // A JSON body limit far below the upload limit: uploads are bounded by UPLOAD_LIMIT_BYTES alone.
      env: { RATE_LIMIT_UPLOAD: '1000', MAX_EVENT_LOOP_DELAY_MS: '0', UPLOAD_LIMIT_BYTES: String(UPLOAD_LIMIT), BODY_LIMIT_BYTES: '65536', OUTBOUND_ALLOW_HOSTS: site.host },
    });
  });
  afterAll(async () => {
    await t?.close();
    await site?.close();
  });

  const get = (tenant: TestTenant, url: string) => t.app.inject({ method: 'GET', url, headers: tenant.headers });
  const post = (tenant: TestTenant, url: string, payload?: object) => t.app.inject({ method: 'POST', url, headers: tenant.headers, payload });
  const storageRoot = () => (t.config.storage.driver === 'local' ? t.config.storage.dir : '');

  it('takes every supported type from upload to processed with chunks and metadata', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const files = [
      { filename: 'us_constitution.pdf', content: await fixture('pdf/us_constitution.pdf'), type: 'application/pdf' },
      { filename: 'handbook.docx', content: await fixture('docx/handbook-1p.docx') },
      { filename: 'hours.xlsx', content: await xlsxWorkbook() },
      { filename: 'stanley-cups.csv', content: await fixture('csv/stanley-cups.csv'), type: 'text/csv' },
      { filename: 'faq.json', content: Buffer.from(JSON.stringify({ faq: [{ q: 'Do you ship abroad?', a: 'Yes, to all EU countries.' }] })) },
      { filename: 'galaxy-10k.html', content: await fixture('html/sec-10k-galaxy-gaming-1p.html'), type: 'text/html' },
      { filename: 'readability.md', content: await fixture('md/readability-README.md') },
      { filename: 'notes.txt', content: Buffer.from('Support is open on weekdays.\n\nCall us on 555-0100 for urgent matters.') },
    ];
    const ids: Record<string, string> = {};
    for (const file of files) {
      const response = await upload(t, tenant, kb.id, file);
      expect(response.statusCode, response.body).toBe(201);
      const document = response.json().data;
      expect(document).toMatchObject({ status: 'uploaded', progress: 0, name: file.filename, sizeBytes: file.content.length, chunkCount: 0 });
      ids[file.filename] = document.id;
    }
    await runJobs(t);

    const expectedTypes: Record<string, string> = {
      'us_constitution.pdf': 'pdf', 'handbook.docx': 'docx', 'hours.xlsx': 'xlsx', 'stanley-cups.csv': 'csv',
      'faq.json': 'json', 'galaxy-10k.html': 'html', 'readability.md': 'markdown', 'notes.txt': 'txt',
    };
    for (const [filename, id] of Object.entries(ids)) {
      const document = (await get(tenant, `/api/v1/documents/${id}`)).json().data;
      expect(document, filename).toMatchObject({ status: 'processed', progress: 100, errorMessage: null, type: expectedTypes[filename] });
      expect(document.chunkCount, filename).toBeGreaterThan(0);
      expect(document.processingMs, filename).toBeGreaterThanOrEqual(0);
      const stored = await t.database.db.select().from(chunks).where(and(eq(chunks.tenantId, tenant.id), eq(chunks.documentId, id)));
      expect(stored.length, filename).toBe(document.chunkCount);
      expect(stored.every((chunk) => chunk.content.trim().length > 0 && chunk.tokenCount > 0 && chunk.knowledgeBaseId === kb.id)).toBe(true);
    }
    const pdf = (await get(tenant, `/api/v1/documents/${ids['us_constitution.pdf']}`)).json().data;
    expect(pdf.pageCount).toBe(19);
    expect(pdf.metadata.pageCount).toBe(19);
    const pdfChunks = await t.database.db.select().from(chunks).where(eq(chunks.documentId, ids['us_constitution.pdf']!));
    expect(pdfChunks.map((chunk) => chunk.content).join(' ')).toMatch(/We the People/i);

    const knowledgeBase = (await get(tenant, `/api/v1/knowledge-bases/${kb.id}`)).json().data;
    expect(knowledgeBase.documentCount).toBe(8);
    expect(knowledgeBase.lastIndexedAt).not.toBeNull();
    const summary = (await get(tenant, `/api/v1/knowledge-bases/${kb.id}/summary`)).json().data;
    expect(summary.documents.total).toBe(8);
    expect(summary.documents.byStatus).toEqual({ processed: 8 });
    expect(summary.documents.byType).toMatchObject({ pdf: 1, docx: 1, xlsx: 1, csv: 1, json: 1, html: 1, markdown: 1, txt: 1 });
    expect(summary.chunks).toBe(knowledgeBase.chunkCount);
    expect(summary.tokens).toBeGreaterThan(0);
    expect(summary.topDocuments[0].id).toBe(ids['us_constitution.pdf']);
  });

  it('fails an image-only PDF and an encrypted PDF with the reason, and keeps the worker going', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const imageOnly = (await upload(t, tenant, kb.id, { filename: 'scan.pdf', content: await fixture('pdf/loremipsum-flat-image-only.pdf') })).json().data;
    const encrypted = (await upload(t, tenant, kb.id, { filename: 'secret.pdf', content: await fixture('pdf/password-protected.pdf') })).json().data;
    const fine = (await upload(t, tenant, kb.id, { filename: 'ok.txt', content: Buffer.from('A perfectly readable note.') })).json().data;
    await runJobs(t);
    const scan = (await get(tenant, `/api/v1/documents/${imageOnly.id}`)).json().data;
    expect(scan.status).toBe('failed');
    expect(scan.errorMessage).toMatch(/^no_text: /);
    const secret = (await get(tenant, `/api/v1/documents/${encrypted.id}`)).json().data;
    expect(secret.status).toBe('failed');
    expect(secret.errorMessage).toMatch(/^encrypted: .*password/i);
    expect((await get(tenant, `/api/v1/documents/${fine.id}`)).json().data.status).toBe('processed');
    const failed = (await get(tenant, `/api/v1/documents?status=failed&knowledgeBaseId=${kb.id}`)).json().data;
    expect(failed.items.map((item: { id: string }) => item.id).sort()).toEqual([imageOnly.id, encrypted.id].sort());
  });

  it('answers 413, 415, 422 and 400 with clear messages and stores nothing', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const tooBig = await upload(t, tenant, kb.id, { filename: 'big.txt', content: Buffer.alloc(UPLOAD_LIMIT + 1, 'x') });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining(String(UPLOAD_LIMIT)) });

    const exe = await upload(t, tenant, kb.id, { filename: 'setup.exe', content: Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]) });
    expect(exe.statusCode).toBe(415);
    expect(exe.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(exe.json().error.message).toMatch(/setup\.exe.*PDF, DOCX/);
    const image = await upload(t, tenant, kb.id, { filename: 'photo.png', content: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), type: 'image/png' });
    expect(image.statusCode).toBe(415);

    const fakePdf = await upload(t, tenant, kb.id, { filename: 'invoice.pdf', content: Buffer.from('just some text pretending') });
    expect(fakePdf.statusCode).toBe(422);
    expect(fakePdf.json().error.message).toBe('"invoice.pdf" claims to be PDF but its content is text');
    const pdfAsTxt = await upload(t, tenant, kb.id, { filename: 'notes.txt', content: await fixture('pdf/password-protected.pdf') });
    expect(pdfAsTxt.statusCode).toBe(422);
    expect(pdfAsTxt.json().error.message).toMatch(/claims to be TXT but its content is a PDF file/);
    const brokenDocx = await upload(t, tenant, kb.id, { filename: 'letter.docx', content: Buffer.from('504b0304140000000000', 'hex') });
    expect(brokenDocx.statusCode).toBe(422);
    const empty = await upload(t, tenant, kb.id, { filename: 'empty.txt', content: Buffer.alloc(0) });
    expect(empty.statusCode).toBe(422);

    const noFile = multipart({ knowledgeBaseId: kb.id });
    const missing = await t.app.inject({ method: 'POST', url: '/api/v1/documents', headers: { ...tenant.headers, ...noFile.headers }, payload: noFile.payload });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.message).toMatch(/"file" part is missing/);
    const badKb = multipart({ knowledgeBaseId: 'nope' }, { filename: 'a.txt', content: Buffer.from('x') });
    const invalid = await t.app.inject({ method: 'POST', url: '/api/v1/documents', headers: { ...tenant.headers, ...badKb.headers }, payload: badKb.payload });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.details.fields[0]).toMatchObject({ path: 'knowledgeBaseId' });
    const json = await post(tenant, '/api/v1/documents', { knowledgeBaseId: kb.id });
    expect(json.statusCode).toBe(415);
    const unknownKb = await upload(t, tenant, '0190a0a0-0000-7000-8000-000000000009', { filename: 'a.txt', content: Buffer.from('x') });
    expect(unknownKb.statusCode).toBe(404);

    expect((await get(tenant, `/api/v1/documents?knowledgeBaseId=${kb.id}`)).json().data.pagination.total).toBe(0);
    expect(existsSync(join(storageRoot(), 'tenants', tenant.id))).toBe(false);
  });

  it('detects identical content in the same knowledge base and names the existing document', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const other = await createKnowledgeBase(t, tenant, { name: 'Other' });
    const content = Buffer.from('Our warranty lasts two years.');
    const first = (await upload(t, tenant, kb.id, { filename: 'warranty.txt', content })).json().data;
    const again = await upload(t, tenant, kb.id, { filename: 'copy-of-warranty.md', content });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'CONFLICT', details: { existingDocumentId: first.id } });
    expect(again.json().error.message).toContain('"warranty.txt"');
    expect((await upload(t, tenant, other.id, { filename: 'warranty.txt', content })).statusCode).toBe(201);

    const racing = Buffer.from('Two tabs uploaded this at the same moment.');
    const statuses = (await Promise.all([1, 2, 3].map(() => upload(t, tenant, kb.id, { filename: 'race.txt', content: racing })))).map((r) => r.statusCode);
    expect(statuses.sort()).toEqual([201, 409, 409]);
    const rows = await t.database.db.select().from(documents).where(and(eq(documents.tenantId, tenant.id), eq(documents.knowledgeBaseId, kb.id)));
    expect(rows).toHaveLength(2);
    // The losers' stored copies were removed again: only the tenant's three documents have folders.
    expect(await readdir(join(storageRoot(), 'tenants', tenant.id, 'documents'))).toHaveLength(3);
  });

  it('adds a document from a URL through the outbound guard, mapping failures to 4xx/502', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const created = await post(tenant, '/api/v1/documents/from-url', { knowledgeBaseId: kb.id, url: `${site.origin}/guides/returns.md` });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().data).toMatchObject({ name: 'returns.md', type: 'markdown', sourceUrl: `${site.origin}/guides/returns.md` });
    const page = await post(tenant, '/api/v1/documents/from-url', { knowledgeBaseId: kb.id, url: `${site.origin}/about` });
    expect(page.json().data).toMatchObject({ name: 'about', type: 'html', mimeType: 'text/html' });
    await runJobs(t);
    const about = (await get(tenant, `/api/v1/documents/${page.json().data.id}`)).json().data;
    expect(about).toMatchObject({ status: 'processed', metadata: { title: 'About us' } });

    const blocked = await post(tenant, '/api/v1/documents/from-url', { knowledgeBaseId: kb.id, url: 'http://169.254.169.254/latest/meta-data' });
    expect(blocked.statusCode).toBe(422);
    expect(blocked.json().error.code).toBe('UNPROCESSABLE_ENTITY');
    const otherPort = await post(tenant, '/api/v1/documents/from-url', { knowledgeBaseId: kb.id, url: 'http://127.0.0.1:1/x.txt' });
    expect(otherPort.statusCode).toBe(422);
    const gone = await post(tenant, '/api/v1/documents/from-url', { knowledgeBaseId: kb.id, url: `${site.origin}/gone` });
    expect(gone.statusCode).toBe(502);
    expect(gone.json().error).toMatchObject({ code: 'INTEGRATION_ERROR', message: expect.stringContaining('HTTP 404') });
    expect((await post(tenant, '/api/v1/documents/from-url', { knowledgeBaseId: kb.id, url: `${site.origin}/huge.txt` })).statusCode).toBe(413);
    expect((await post(tenant, '/api/v1/documents/from-url', { knowledgeBaseId: kb.id, url: `${site.origin}/program.exe` })).statusCode).toBe(415);
    expect((await post(tenant, '/api/v1/documents/from-url', { knowledgeBaseId: kb.id, url: 'ftp://example.com/a.txt' })).statusCode).toBe(400);
  });

  it('creates a batch from URLs, one job per URL, failing each bad URL on its own', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const urls = [`${site.origin}/guides/returns.md`, `${site.origin}/about`, `${site.origin}/gone`, 'http://10.1.2.3/internal', `${site.origin}/about`];
    const response = await post(tenant, '/api/v1/documents/batch-from-urls', { knowledgeBaseId: kb.id, urls });
    expect(response.statusCode, response.body).toBe(202);
    const { documents: created, skipped } = response.json().data;
    expect(created).toHaveLength(4);
    expect(skipped).toEqual([{ url: `${site.origin}/about`, reason: 'listed twice in this request' }]);
    await runJobs(t);
    const byUrl = new Map<string, { status: string; errorMessage: string | null; type: string }>();
    for (const document of created) {
      const current = (await get(tenant, `/api/v1/documents/${document.id}`)).json().data;
      byUrl.set(current.sourceUrl, current);
    }
    expect(byUrl.get(`${site.origin}/guides/returns.md`)).toMatchObject({ status: 'processed', type: 'markdown' });
    expect(byUrl.get(`${site.origin}/about`)).toMatchObject({ status: 'processed', type: 'html' });
    expect(byUrl.get(`${site.origin}/gone`)).toMatchObject({ status: 'failed', errorMessage: expect.stringContaining('HTTP 404') });
    expect(byUrl.get('http://10.1.2.3/internal')).toMatchObject({ status: 'failed', errorMessage: expect.stringContaining('may not be fetched') });

    // A fetch job replayed after it committed (its worker died before acknowledging) changes nothing and fetches nothing.
    const returns = created.find((document: { sourceUrl: string }) => document.sourceUrl === `${site.origin}/guides/returns.md`);
    const [row] = await t.database.db.select({ runId: documents.processingRunId }).from(documents).where(eq(documents.id, returns.id));
    const fetched = site.requests.length;
    await t.container.queue.enqueue(t.database.db, 'knowledge.fetch-url', { tenantId: tenant.id, documentId: returns.id, runId: row!.runId });
    await runJobs(t);
    expect(site.requests.length).toBe(fetched);
    expect((await get(tenant, `/api/v1/documents/${returns.id}`)).json().data).toMatchObject({ status: 'processed', progress: 100 });

    const again = (await post(tenant, '/api/v1/documents/batch-from-urls', { knowledgeBaseId: kb.id, urls: [`${site.origin}/about`] })).json().data;
    expect(again.documents).toEqual([]);
    expect(again.skipped[0].reason).toMatch(/already in this knowledge base/);
    const tooMany = await post(tenant, '/api/v1/documents/batch-from-urls', { knowledgeBaseId: kb.id, urls: Array.from({ length: 101 }, (_, i) => `${site.origin}/${i}`) });
    expect(tooMany.statusCode).toBe(400);
  });

  it('downloads the original bytes with type and file name', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const content = await fixture('docx/handbook-1p.docx');
    const document = (await upload(t, tenant, kb.id, { filename: 'Handbook v2 é.docx', content })).json().data;
    expect(document.name).toBe('Handbook v2 é.docx');
    const response = await get(tenant, `/api/v1/documents/${document.id}/download`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="Handbook v2 _.docx"; filename*=UTF-8''${encodeURIComponent('Handbook v2 é.docx')}`,
    );
    expect(Buffer.compare(response.rawPayload, content)).toBe(0);
  });

  it('lists with filters, search by name or content, and pagination', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    await upload(t, tenant, kb.id, { filename: 'shipping.txt', content: Buffer.from('Parcels leave our warehouse every morning.') });
    await upload(t, tenant, kb.id, { filename: 'returns.md', content: Buffer.from('# Returns\n\nRefunds take five working days.') });
    await upload(t, tenant, kb.id, { filename: '100%_real.txt', content: Buffer.from('Wildcards are literal.') });
    await runJobs(t);
    const list = async (query: string) => (await get(tenant, `/api/v1/documents?${query}`)).json().data;
    expect((await list('type=markdown')).items.map((item: { name: string }) => item.name)).toEqual(['returns.md']);
    expect((await list('search=warehouse')).items.map((item: { name: string }) => item.name)).toEqual(['shipping.txt']);
    expect((await list('search=RETURNS')).items.map((item: { name: string }) => item.name)).toEqual(['returns.md']);
    expect((await list('search=%25_')).items.map((item: { name: string }) => item.name)).toEqual(['100%_real.txt']);
    const page = await list(`knowledgeBaseId=${kb.id}&limit=2&page=2`);
    expect(page.pagination).toEqual({ page: 2, limit: 2, total: 3, pages: 2 });
    expect(page.items).toHaveLength(1);
    expect((await get(tenant, '/api/v1/documents?status=nope')).statusCode).toBe(400);
  });

  it('reprocesses with new chunking options and says that summaries need an AI provider', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const document = (await upload(t, tenant, kb.id, { filename: 'constitution.pdf', content: await fixture('pdf/us_constitution.pdf') })).json().data;
    await runJobs(t);
    const before = (await get(tenant, `/api/v1/documents/${document.id}`)).json().data;
    const response = await post(tenant, `/api/v1/documents/${document.id}/reprocess`, { chunkSize: 128, chunkOverlap: 16, extractMetadata: false, generateSummary: true });
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json().data.document).toMatchObject({ status: 'uploaded', progress: 0, options: { chunkSize: 128, chunkOverlap: 16, extractMetadata: false } });
    expect(response.json().data.document.options.generateSummary).toBeUndefined();
    expect(response.json().data.warnings[0]).toMatch(/no AI provider with a default model/);
    await runJobs(t);
    const after = (await get(tenant, `/api/v1/documents/${document.id}`)).json().data;
    expect(after.status).toBe('processed');
    expect(after.chunkCount).toBeGreaterThan(before.chunkCount);
    expect(after.metadata.pageCount).toBeUndefined();
    const stored = await t.database.db.select({ ordinal: chunks.ordinal }).from(chunks).where(eq(chunks.documentId, document.id));
    expect(stored).toHaveLength(after.chunkCount);
    expect((await post(tenant, `/api/v1/documents/${document.id}/reprocess`, { chunkSize: 100, chunkOverlap: 90 })).statusCode).toBe(400);
  });

  it('a reprocess during processing supersedes the running chain', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const document = (await upload(t, tenant, kb.id, { filename: 'a.md', content: Buffer.from('# A\n\nSome text about apples.') })).json().data;
    await t.container.worker.pollOnce(); // parse of the first run
    await t.container.worker.drain();
    await post(tenant, `/api/v1/documents/${document.id}/reprocess`, { chunkSize: 256 });
    await runJobs(t);
    const after = (await get(tenant, `/api/v1/documents/${document.id}`)).json().data;
    expect(after).toMatchObject({ status: 'processed', options: { chunkSize: 256 } });
    const stored = await t.database.db.select().from(chunks).where(eq(chunks.documentId, document.id));
    expect(stored).toHaveLength(after.chunkCount);
  });

  it('chunks a document parsed before migration 0012 from its stored .parsed.json', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const document = (await upload(t, tenant, kb.id, { filename: 'old.md', content: Buffer.from('# Old\n\nParsed by an earlier version about pears.') })).json().data;
    await t.container.worker.pollOnce(); // the parse step only
    await t.container.worker.drain();
    // What an earlier version left behind: the parse output in file storage, no row.
    const [row] = await t.database.db.delete(documentParses).where(eq(documentParses.documentId, document.id)).returning();
    const [{ storageKey }] = await t.database.db.select({ storageKey: documents.storageKey }).from(documents).where(eq(documents.id, document.id)) as [{ storageKey: string }];
    await t.container.storage.put(`${storageKey}.parsed.json`, Buffer.from(row!.parsed));
    await runJobs(t);
    const after = (await get(tenant, `/api/v1/documents/${document.id}`)).json().data;
    expect(after).toMatchObject({ status: 'processed', chunkCount: 1 });
    const [chunk] = await t.database.db.select({ content: chunks.content }).from(chunks).where(eq(chunks.documentId, document.id));
    expect(chunk?.content).toContain('pears');
  });

  it('deletes documents with their chunks and stored files, one by one or in a batch', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const ids: string[] = [];
    for (const name of ['one.txt', 'two.txt', 'three.txt']) {
      ids.push((await upload(t, tenant, kb.id, { filename: name, content: Buffer.from(`Content of ${name}`) })).json().data.id);
    }
    await runJobs(t);
    const keys = (await t.database.db.select({ key: documents.storageKey }).from(documents).where(eq(documents.tenantId, tenant.id))).map((row) => row.key);
    expect(keys).toHaveLength(3);
    for (const key of keys) {
      expect(await t.container.storage.exists(key)).toBe(true);
      // The parse output is a row (migration 0012), no longer a stored `.parsed.json`.
      expect(await t.container.storage.exists(`${key}.parsed.json`)).toBe(false);
    }
    expect(await t.database.db.select({ id: documentParses.documentId }).from(documentParses).where(eq(documentParses.tenantId, tenant.id))).toHaveLength(3);

    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/documents/${ids[0]}`, headers: tenant.headers })).statusCode).toBe(204);
    expect((await get(tenant, `/api/v1/documents/${ids[0]}`)).statusCode).toBe(404);
    const batch = await post(tenant, '/api/v1/documents/batch-delete', { ids: [ids[1], ids[2], ids[0]] });
    expect(batch.json().data).toEqual({ deleted: expect.arrayContaining([ids[1], ids[2]]), notFound: [ids[0]] });
    expect(await t.database.db.select().from(chunks).where(eq(chunks.tenantId, tenant.id))).toEqual([]);
    expect(await t.database.db.select().from(documents).where(eq(documents.tenantId, tenant.id))).toEqual([]);
    expect(await t.database.db.select().from(documentParses).where(eq(documentParses.tenantId, tenant.id))).toEqual([]);
    // The files go in a job after the commit.
    expect(await t.container.storage.exists(keys[1]!)).toBe(true);
    await runJobs(t);
    for (const key of keys) {
      expect(await t.container.storage.exists(key)).toBe(false);
      expect(await t.container.storage.exists(`${key}.parsed.json`)).toBe(false);
    }
    expect(existsSync(join(storageRoot(), 'tenants', tenant.id))).toBe(false);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/documents/${ids[0]}`, headers: tenant.headers })).statusCode).toBe(404);
  });

  it('applies the upload rate-limit category', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const response = await upload(t, tenant, kb.id, { filename: 'rate.txt', content: Buffer.from('rate limited') });
    expect(response.headers['x-ratelimit-limit']).toBe('1000');
    expect((await get(tenant, '/api/v1/documents')).headers['x-ratelimit-limit']).toBe('100');
  });
});
