import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { systemContext } from '../../../src/app/context.js';
import { queryRows } from '../../../src/db/client.js';
import { jobs } from '../../../src/db/schema.js';
import { AUTOVACUUM_JOB } from '../../../src/jobs/maintenance.jobs.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, runJobs } from './knowledge-helpers.js';

/** Embedded PGlite has no autovacuum: a bulk write asks for fresh statistics at once (knowledge/service/deps.ts). */
describe('statistics after a bulk write', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_EVENT_LOOP_DELAY_MS: '0' } });
  });
  afterAll(() => t.close());

  const queuedRefreshes = async () =>
    (await t.database.db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.name, AUTOVACUUM_JOB), sql`${jobs.state} IN ('queued', 'running')`))).length;

  it('queues one refresh with the jobs of a bulk write in embedded mode, none for a small write or on a server', async () => {
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    const ctx = systemContext(tenant.id, 'bulk-test');
    const upsertMany = (count: number, prefix: string) =>
      t.container.modules.knowledge.upsertDocumentsFromContent(ctx, {
        knowledgeBaseId: kb.id,
        documents: Array.from({ length: count }, (_, i) => ({ sourceUrl: `https://docs.example/${prefix}/${i}`, title: `${prefix} ${i}`, content: `# ${prefix} ${i}\n\nAbout item ${i}.`, contentType: 'markdown' as const })),
      });

    await upsertMany(10, 'small');
    expect(await queuedRefreshes()).toBe(0);

    const embedded = t.database.kind === 'embedded';
    await upsertMany(60, 'bulk');
    await upsertMany(60, 'again');
    // Deduplicated while one is waiting.
    expect(await queuedRefreshes()).toBe(embedded ? 1 : 0);

    await runJobs(t);
    expect(await queuedRefreshes()).toBe(0);
    if (embedded) {
      const [documents] = await queryRows<{ analysed: boolean }>(t.database.db, sql`SELECT last_analyze IS NOT NULL AS analysed FROM pg_stat_user_tables WHERE relname = 'documents'`);
      expect(documents?.analysed).toBe(true);
    }
  });
});
