import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createApiKey, createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, fixture, runJobs, upload } from '../knowledge/knowledge-helpers.js';

describe('agents', () => {
  let t: TestApp;
  let tenant: TestTenant;
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, who: TestTenant = tenant) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: who.headers, payload });

  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_UPLOAD: '1000' } });
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  it('creates with defaults, gets, updates with merged settings, lists with filters, and deletes', async () => {
    const created = await call('POST', '/agents', { name: 'Sales bot', description: 'Answers pricing questions', model: { temperature: 0.9 } });
    expect(created.statusCode, created.body).toBe(201);
    const agent = created.json().data;
    expect(agent).toMatchObject({
      name: 'Sales bot',
      status: 'DRAFT',
      personality: 'PROFESSIONAL',
      language: 'en',
      model: { providerId: null, model: null, temperature: 0.9, maxOutputTokens: 512, responseLength: 'MEDIUM' },
      retrieval: { topK: 5, minScore: 0 },
      fallback: { message: expect.stringContaining("don't have enough information"), escalation: { onLowConfidence: true, confidenceThreshold: 0.4, keywords: [] } },
      knowledgeBaseIds: [],
    });

    const updated = await call('PATCH', `/agents/${agent.id}`, { personality: 'FRIENDLY', model: { maxOutputTokens: 256 }, fallback: { escalation: { keywords: ['refund'] } } });
    expect(updated.json().data).toMatchObject({
      personality: 'FRIENDLY',
      model: { temperature: 0.9, maxOutputTokens: 256 },
      fallback: { message: agent.fallback.message, escalation: { keywords: ['refund'], onNoAnswer: true } },
    });
    expect((await call('GET', `/agents/${agent.id}`)).json().data.personality).toBe('FRIENDLY');

    await call('POST', '/agents', { name: 'Support bot', personality: 'EMPATHETIC' });
    const published = (await call('POST', '/agents', { name: 'Returns helper' })).json().data;
    expect((await call('POST', `/agents/${published.id}/publish`)).json().data).toMatchObject({ status: 'ACTIVE', publishedAt: expect.any(String) });

    const all = (await call('GET', '/agents?limit=2&page=1')).json().data;
    expect(all.pagination).toEqual({ page: 1, limit: 2, total: 3, pages: 2 });
    expect((await call('GET', '/agents?status=ACTIVE')).json().data.items.map((item: { name: string }) => item.name)).toEqual(['Returns helper']);
    expect((await call('GET', '/agents?search=pricing')).json().data.items.map((item: { name: string }) => item.name)).toEqual(['Sales bot']);
    expect((await call('GET', '/agents?status=DRAFT&search=bot')).json().data.pagination.total).toBe(2);

    expect((await call('POST', `/agents/${published.id}/unpublish`)).json().data).toMatchObject({ status: 'DRAFT', publishedAt: null });
    expect((await call('DELETE', `/agents/${agent.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/agents/${agent.id}`)).statusCode).toBe(404);
  });

  it('refuses bad input with 400 and unknown references with 404', async () => {
    for (const payload of [
      {},
      { name: '' },
      { name: 'x', personality: 'GRUMPY' },
      { name: 'x', model: { temperature: 3 } },
      { name: 'x', retrieval: { topK: 0 } },
      { name: 'x', language: 'english please' },
      { name: 'x', knowledgeBaseIds: ['not-a-uuid'] },
    ]) {
      const response = await call('POST', '/agents', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION_ERROR');
    }
    const agent = (await call('POST', '/agents', { name: 'Refs' })).json().data;
    expect((await call('PATCH', `/agents/${agent.id}`, {})).statusCode).toBe(400);
    const missing = '01900000-0000-7000-8000-000000000000';
    expect((await call('POST', '/agents', { name: 'y', knowledgeBaseIds: [missing] })).statusCode).toBe(404);
    expect((await call('POST', '/agents', { name: 'y', model: { providerId: missing } })).statusCode).toBe(404);

    // Another tenant's knowledge base is as unknown as a missing one.
    const other = await createTenant(t);
    const foreign = await createKnowledgeBase(t, other);
    expect((await call('POST', `/agents/${agent.id}/knowledge-bases`, { knowledgeBaseIds: [foreign.id] })).statusCode).toBe(404);
    expect((await call('GET', `/agents/${agent.id}`)).json().data.knowledgeBaseIds).toEqual([]);
  });

  it('attaches and detaches knowledge, trains TRAINING -> ACTIVE once the documents are indexed, and reports configuration', async () => {
    const kb = await createKnowledgeBase(t, tenant);
    const response = await upload(t, tenant, kb.id, { filename: 'password.md', content: await fixture('md/github-docs-creating-a-strong-password.md') });
    expect(response.statusCode, response.body).toBe(201);
    await runJobs(t);

    const spare = await createKnowledgeBase(t, tenant, { name: 'Spare' });
    const agent = (await call('POST', '/agents', { name: 'Security helper', greeting: 'Hi! Ask me about passwords.' })).json().data;
    const attached = await call('POST', `/agents/${agent.id}/knowledge-bases`, { knowledgeBaseIds: [kb.id, spare.id, kb.id] });
    expect(attached.json().data.knowledgeBaseIds.sort()).toEqual([kb.id, spare.id].sort());
    expect((await call('DELETE', `/agents/${agent.id}/knowledge-bases/${spare.id}`)).statusCode).toBe(204);
    expect((await call('DELETE', `/agents/${agent.id}/knowledge-bases/${spare.id}`)).statusCode).toBe(404);
    expect((await call('GET', `/agents/${agent.id}`)).json().data.knowledgeBaseIds).toEqual([kb.id]);

    const training = await call('POST', `/agents/${agent.id}/train`);
    expect(training.statusCode, training.body).toBe(202);
    expect(training.json().data).toEqual({ agentId: agent.id, status: 'TRAINING', knowledgeBases: [{ knowledgeBaseId: kb.id, queued: 1 }] });
    expect((await call('POST', `/agents/${agent.id}/publish`)).statusCode).toBe(409);

    const deadline = Date.now() + 20_000;
    let status = 'TRAINING';
    while (status === 'TRAINING' && Date.now() < deadline) {
      await runJobs(t);
      status = (await call('GET', `/agents/${agent.id}`)).json().data.status;
      if (status === 'TRAINING') await sleep(250);
    }
    const trained = (await call('GET', `/agents/${agent.id}`)).json().data;
    expect(trained).toMatchObject({ status: 'ACTIVE', trainedAt: expect.any(String), publishedAt: expect.any(String) });
    const document = (await t.app.inject({ method: 'GET', url: `/api/v1/documents/${response.json().data.id}`, headers: tenant.headers })).json().data;
    expect(document.status).toBe('processed');

    expect((await call('GET', `/agents/${agent.id}/configuration`)).json().data).toEqual({
      agentId: agent.id,
      name: 'Security helper',
      status: 'ACTIVE',
      isAvailable: true,
      mode: 'extractive',
      personality: 'PROFESSIONAL',
      language: 'en',
      greeting: 'Hi! Ask me about passwords.',
      fallbackMessage: agent.fallback.message,
      knowledgeBaseCount: 1,
    });
    expect((await call('GET', `/agents/${agent.id}/performance?days=7`)).json().data).toMatchObject({
      agentId: agent.id, conversations: 0, turns: 0, averageRating: null, averageResponseTimeMs: null, escalations: 0, tokens: { input: 0, output: 0 },
    });
  });

  it('needs agents permissions', async () => {
    const reader = await createApiKey(t, tenant, ['agents:read']);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/agents', headers: reader.headers, payload: { name: 'nope' } });
    expect(response.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/agents', headers: reader.headers })).statusCode).toBe(200);
  });
});
