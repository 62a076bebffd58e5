import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { startFakeLlmServer, type FakeLlmServer } from '../../helpers/fake-llm-server.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, fixture, runJobs, upload } from './knowledge-helpers.js';

type Metadata = { summary?: string; summaryModel?: string; summarizedAt?: string; summaryError?: string };
type LlmRequest = { model: string; messages: { role: string; content: string }[] };

describe('document summaries with the tenant\'s AI provider', () => {
  let t: TestApp;
  let fake: FakeLlmServer;

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: fake.hostPort, RATE_LIMIT_UPLOAD: '1000' } });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const call = (tenant: TestTenant, method: 'GET' | 'POST', url: string, payload?: object) => t.app.inject({ method, url, headers: tenant.headers, payload });
  const metadataOf = async (tenant: TestTenant, id: string) => {
    const document = (await call(tenant, 'GET', `/api/v1/documents/${id}`)).json().data as { status: string; metadata: Metadata };
    expect(document.status).toBe('processed');
    return document.metadata;
  };
  const processedPasswordDoc = async (tenant: TestTenant) => {
    const kb = await createKnowledgeBase(t, tenant);
    const document = (await upload(t, tenant, kb.id, { filename: 'password.md', content: await fixture('md/github-docs-creating-a-strong-password.md') })).json().data as { id: string };
    await runJobs(t);
    return document.id;
  };
  const addProvider = async (tenant: TestTenant, defaultModel: string | undefined) => {
    const response = await call(tenant, 'POST', '/api/v1/ai-providers', { name: `fake ${defaultModel}`, provider: 'openai-compatible', baseUrl: fake.baseUrl, ...(defaultModel ? { defaultModel } : {}) });
    expect(response.statusCode, response.body).toBe(201);
  };

  it('summarises a reprocessed document with the oldest provider that has a default model, and drops it on the next run', async () => {
    const tenant = await createTenant(t);
    const id = await processedPasswordDoc(tenant);
    await addProvider(tenant, undefined); // no default model: not usable for summaries
    await addProvider(tenant, 'summary-model');
    fake.enqueue({ text: 'How to create a strong password: length, uniqueness and a password manager.' });
    const calls = fake.requests.length;

    const response = await call(tenant, 'POST', `/api/v1/documents/${id}/reprocess`, { generateSummary: true });
    expect(response.statusCode, response.body).toBe(202);
    expect(response.json().data.warnings).toEqual([]);
    expect(response.json().data.document.options.generateSummary).toBe(true);
    await runJobs(t);

    expect(fake.requests.length).toBe(calls + 1);
    const sent = fake.requests.at(-1)!.body as LlmRequest;
    expect(sent.model).toBe('summary-model');
    expect(sent.messages.at(-1)!.content).toContain('strong password');
    const metadata = await metadataOf(tenant, id);
    expect(metadata).toMatchObject({ summary: 'How to create a strong password: length, uniqueness and a password manager.', summaryModel: 'fake summary-model/summary-model' });
    expect(Date.parse(metadata.summarizedAt!)).not.toBeNaN();

    // A new run without generateSummary: the old summary described the old processing and goes.
    expect((await call(tenant, 'POST', `/api/v1/documents/${id}/reprocess`, { generateSummary: false })).statusCode).toBe(202);
    await runJobs(t);
    expect(fake.requests.length).toBe(calls + 1);
    expect((await metadataOf(tenant, id)).summary).toBeUndefined();
  });

  it('keeps the document processed and says why when the provider refuses', async () => {
    const tenant = await createTenant(t);
    const id = await processedPasswordDoc(tenant);
    await addProvider(tenant, 'summary-model');
    fake.enqueue({ status: 401 });
    expect((await call(tenant, 'POST', `/api/v1/documents/${id}/reprocess`, { generateSummary: true })).statusCode).toBe(202);
    await runJobs(t);
    const metadata = await metadataOf(tenant, id);
    expect(metadata.summary).toBeUndefined();
    expect(metadata.summaryError).toMatch(/could not be generated/);
  });
});
