import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { queryRows } from '../../../src/db/client.js';
import { newId } from '../../../src/lib/ids.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant } from '../../helpers/fixtures.js';

type TableStats = { n_live_tup: number; n_dead_tup: number; n_mod_since_analyze: number; analyzed: boolean };

describe('autovacuum on embedded PGlite', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const labelStats = async () => {
    // Table statistics reach pg_stat_user_tables when a backend flushes them; force it so the test reads them now.
    await t.database.db.execute(sql`SELECT pg_stat_force_next_flush()`);
    await t.database.db.execute(sql`SELECT 1`);
    const [row] = await queryRows<TableStats>(t.database.db, sql`
      SELECT n_live_tup::int, n_dead_tup::int, n_mod_since_analyze::int, (last_analyze IS NOT NULL) AS analyzed
      FROM pg_stat_user_tables WHERE schemaname = 'public' AND relname = 'labels'`);
    return row!;
  };

  it('is scheduled on PGlite only: a PostgreSQL server runs its own autovacuum', async () => {
    await t.container.scheduler.sync();
    const schedules = await queryRows<{ name: string }>(t.database.db, sql`SELECT name FROM job_schedules WHERE name = 'db.autovacuum.minutely'`);
    expect(schedules.length).toBe(t.database.kind === 'embedded' ? 1 : 0);
  });

  it.runIf(process.env.TEST_DATABASE_URL === undefined)('analyses changed tables and vacuums dead rows, as autovacuum would', async () => {
    const tenant = await createTenant(t);
    const ids = Array.from({ length: 400 }, () => newId());
    await t.database.db.execute(sql`
      INSERT INTO labels (id, tenant_id, name, color)
      SELECT id, ${tenant.id}::uuid, 'label ' || ord, '#336699' FROM unnest(${`{${ids.join(',')}}`}::uuid[]) WITH ORDINALITY AS u(id, ord)`);
    await t.database.db.execute(sql`DELETE FROM labels WHERE tenant_id = ${tenant.id} AND id = ANY(${`{${ids.slice(0, 300).join(',')}}`}::uuid[])`);
    const before = await labelStats();
    expect(before.n_dead_tup).toBeGreaterThanOrEqual(300);
    expect(before.n_mod_since_analyze).toBeGreaterThanOrEqual(700);

    await t.container.queue.enqueue(t.database.db, 'db.autovacuum', {});
    await t.container.worker.pollOnce();
    await t.container.worker.drain();

    const after = await labelStats();
    expect(after).toMatchObject({ n_dead_tup: 0, n_mod_since_analyze: 0, analyzed: true });
    // The planner now knows the table's size instead of guessing.
    const [plan] = await queryRows<{ 'QUERY PLAN': string }>(t.database.db, sql`EXPLAIN SELECT * FROM labels WHERE tenant_id = ${tenant.id}`);
    expect(plan!['QUERY PLAN']).toMatch(/rows=(9\d|1\d\d)\b/);
  });
});
