import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createContainer } from '../../../src/app/container.js';
import { loadConfig } from '../../../src/config/env.js';
import { queryRows } from '../../../src/db/client.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { startFakeEmbeddingsServer, type FakeEmbeddingsServer } from '../../helpers/fake-embeddings-server.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { searchKb, seedKnowledgeBase } from './retrieval-helpers.js';

// The fake provider maps these words onto one concept: "money back" means "refund" to it, as to a real model.
const SYNONYMS = { money: 'refund', back: 'refund', reimbursement: 'refund', refunds: 'refund', paid: 'refund' };

describe('retrieval with an embedding provider (hybrid)', () => {
  let fake: FakeEmbeddingsServer;
  let t: TestApp;
  let tenant: TestTenant;
  let kbId: string;
  let documentIds: Record<string, string>;
  const env = (model: string) => ({
    EMBEDDINGS_PROVIDER: 'openai-compatible',
    EMBEDDINGS_BASE_URL: fake.baseUrl,
    EMBEDDINGS_MODEL: model,
    EMBEDDINGS_DIMENSIONS: '32',
    EMBEDDINGS_BATCH_SIZE: '4',
    OUTBOUND_ALLOW_HOSTS: fake.hostPort,
    MAX_EVENT_LOOP_DELAY_MS: '0',
    RATE_LIMIT_AI: '10000',
  });
  beforeAll(async () => {
    fake = await startFakeEmbeddingsServer({ synonyms: SYNONYMS });
    t = await createTestApp({ env: env('fake-embed-1') });
    tenant = await createTenant(t);
    ({ kb: { id: kbId }, documentIds } = await seedKnowledgeBase(t, tenant));
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const stats = async () => (await t.app.inject({ method: 'GET', url: '/api/v1/retrieval/stats', headers: tenant.headers })).json().data;

  it('embeds every chunk through jobs, in batches, with the configured model and dimensions', async () => {
    const current = await stats();
    expect(current.chunksIndexed).toBeGreaterThanOrEqual(6);
    expect(current.chunksEmbedded).toBe(current.chunksIndexed);
    expect(current.byModel).toEqual([{ model: 'fake-embed-1@32', dimensions: 32, chunks: current.chunksIndexed }]);
    const documentCalls = fake.requests.filter((request) => request.input.length > 1 || request.input[0]!.includes('\n'));
    const indexes = await queryRows<{ indexname: string }>(t.database.db, sql`SELECT indexname FROM pg_indexes WHERE tablename = 'retrieval_embeddings'`);
    expect(indexes.map((row) => row.indexname)).toContain('retrieval_embeddings_hnsw_32');
    expect(documentCalls.every((request) => request.model === 'fake-embed-1' && request.dimensions === 32 && request.input.length <= 4)).toBe(true);
  });

  it('finds by meaning what shares no word with the query, fusing both rankings', async () => {
    // No document contains "reimbursement": lexical search alone finds nothing (see the provider-failure test).
    const { status, mode, hits } = await searchKb(t, tenant, kbId, { query: 'reimbursement' });
    expect(status).toBe(200);
    expect(mode).toBe('hybrid');
    expect(hits[0]?.documentId).toBe(documentIds['refunds.md']);
    // Lexical and vector agree on an exact question: still first.
    expect((await searchKb(t, tenant, kbId, { query: 'forgot password link' })).hits[0]?.documentId).toBe(documentIds['passwords.md']);
  });

  it('answers lexically when the provider fails, and uses vectors again once it is back', async () => {
    fake.failWith = 500;
    try {
      const down = await searchKb(t, tenant, kbId, { query: 'express delivery' });
      expect(down.status).toBe(200);
      expect(down.mode).toBe('lexical');
      expect(down.hits[0]?.documentId).toBe(documentIds['shipping.md']);
      // A query not answered before (a cached hybrid answer would still be served, and rightly so).
      expect((await searchKb(t, tenant, kbId, { query: 'reimbursement wanted' })).hits).toEqual([]);
    } finally {
      fake.failWith = undefined;
    }
    const up = await searchKb(t, tenant, kbId, { query: 'express delivery' });
    expect(up.mode).toBe('hybrid');
  });

  it('re-embeds stale vectors after the model changes', async () => {
    // A second process on the same database, configured with another model: its sweep re-embeds every chunk.
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: t.config.dataDir, LOG_LEVEL: 'silent', ...env('fake-embed-2') });
    const other = await createContainer({ config, database: t.database, logger: pino({ level: 'silent' }) });
    try {
      await other.queue.enqueue(t.database.db, 'retrieval.reembed-stale', {});
      for (let round = 0; round < 20 && (await other.worker.pollOnce()) > 0; round++) await other.worker.drain();
      const otherStats = await other.modules.retrieval.stats({ requestId: 'r', tenantId: tenant.id, actor: { type: 'system', id: 'test' }, permissions: new Set(['*']) });
      expect(otherStats.embeddingModel).toBe('fake-embed-2@32');
      expect(otherStats.chunksEmbedded).toBe(otherStats.chunksIndexed);
      expect(otherStats.byModel.map((row: { model: string }) => row.model)).toEqual(['fake-embed-2@32']);
    } finally {
      await other.close();
    }
  });
});
