import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant } from '../../helpers/fixtures.js';
import { startFakeS3, type FakeS3 } from '../storage/fake-s3-server.js';
import { createKnowledgeBase, fixture, runJobs, upload } from './knowledge-helpers.js';

describe('documents on S3-compatible storage', () => {
  let s3: FakeS3;
  let t: TestApp;
  beforeAll(async () => {
    s3 = await startFakeS3({ bucket: 'switchboard-docs', accessKeyId: 'AKIATEST' });
    t = await createTestApp({
      env: {
        MAX_EVENT_LOOP_DELAY_MS: '0',
        STORAGE_DRIVER: 's3',
        S3_BUCKET: 'switchboard-docs',
        S3_ENDPOINT: s3.endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        S3_ACCESS_KEY_ID: 'AKIATEST',
        S3_SECRET_ACCESS_KEY: 'test-secret',
        S3_PREFIX: 'prod/',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await s3?.close();
  });

  it('stores the original in the bucket, processes from it, serves it back and deletes it', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const content = await fixture('docx/handbook-1p.docx');
    const document = (await upload(t, tenant, kb.id, { filename: 'handbook.docx', content })).json().data;
    const originalKey = `switchboard-docs/prod/tenants/${tenant.id}/documents/${document.id}/${document.contentHash}`;
    expect(Buffer.compare(s3.objects.get(originalKey)!.body, content)).toBe(0);

    await runJobs(t);
    const processed = (await t.app.inject({ method: 'GET', url: `/api/v1/documents/${document.id}`, headers: tenant.headers })).json().data;
    expect(processed.status).toBe('processed');
    expect(processed.chunkCount).toBeGreaterThan(0);
    // Only the original is stored: the parse output is a database row (migration 0012).
    expect([...s3.objects.keys()].filter((key) => key.includes(document.id))).toEqual([originalKey]);

    const download = await t.app.inject({ method: 'GET', url: `/api/v1/documents/${document.id}/download`, headers: tenant.headers });
    expect(Buffer.compare(download.rawPayload, content)).toBe(0);

    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/documents/${document.id}`, headers: tenant.headers })).statusCode).toBe(204);
    await runJobs(t);
    expect([...s3.objects.keys()].filter((key) => key.includes(document.id))).toEqual([]);
  });
});
