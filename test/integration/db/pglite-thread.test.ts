import { setTimeout as sleep } from 'node:timers/promises';

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fromPglite, queryRows, type Database } from '../../../src/db/client.js';
import { isUniqueViolation } from '../../../src/db/errors.js';
import { intArray } from '../../../src/db/sql-arrays.js';
import { startPgliteThread, type PgliteThread } from '../../../src/db/pglite-thread.js';
import { GENERIC_PLAN_HINT } from '../../../src/db/plan-hints.js';
import { withTx } from '../../../src/db/tx.js';

/** Embedded PGlite in its worker thread, as the app opens it: an empty database in memory, with the driver's own API. */
describe('PGlite in its worker thread', () => {
  let thread: PgliteThread;
  let database: Database;
  beforeAll(async () => {
    thread = await startPgliteThread({});
    database = fromPglite(thread);
    await thread.exec('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
  });
  afterAll(() => database.close());

  it('keeps the event loop free while a statement runs', async () => {
    let turns = 0;
    let done = false;
    const statement = thread.query('SELECT count(*) FROM generate_series(1, 4000000) AS g(n) WHERE n % 7 = 0').then(() => (done = true));
    while (!done) {
      turns++;
      await sleep(1);
    }
    await statement;
    // In-process, PGlite's WASM holds the thread until the statement ends: no timer could fire meanwhile.
    expect(turns).toBeGreaterThan(5);
  });

  it('runs each statement text as a prepared statement, with fresh parameters and types every run', async () => {
    for (let id = 1; id <= 12; id++) {
      await database.db.execute(sql`INSERT INTO items (id, name) VALUES (${id}, ${`item ${id}`})`);
    }
    for (const limit of [1, 5, 12]) {
      const rows = await queryRows<{ id: number; name: string }>(database.db, sql`SELECT id, name FROM items WHERE id <= ${limit} ORDER BY id`);
      expect(rows.map((row) => row.id)).toEqual(Array.from({ length: limit }, (_, i) => i + 1));
      expect(rows.at(-1)!.name).toBe(`item ${limit}`);
    }
    const [row] = await queryRows<{ created_at: string; ids: number[]; doc: { a: number } }>(database.db, sql`
      SELECT min(created_at) AS created_at, array_agg(id ORDER BY id) AS ids, ${JSON.stringify({ a: 1 })}::jsonb AS doc FROM items WHERE id = ANY(${intArray([2, 3])})`);
    expect(row!.ids).toEqual([2, 3]);
    expect(typeof row!.created_at).toBe('string'); // drizzle asks for timestamps as their text
    expect(row!.doc).toEqual({ a: 1 });
  });

  it('runs a statement marked with the generic-plan hint on its generic plan, and only that statement', async () => {
    const plans = async (prefix: string) =>
      (await thread.query<{ generic_plans: number; custom_plans: number }>(
        'SELECT generic_plans::int, custom_plans::int FROM pg_prepared_statements WHERE statement LIKE $1', [`${prefix}%`])).rows[0];
    for (let run = 0; run < 3; run++) {
      await thread.query(`${GENERIC_PLAN_HINT} SELECT name FROM items WHERE id = $1`, [run]);
      await thread.query('SELECT name, 1 AS unmarked FROM items WHERE id = $1', [run]);
    }
    expect(await plans(GENERIC_PLAN_HINT)).toEqual({ generic_plans: 3, custom_plans: 0 });
    // PostgreSQL's own choice (plan_cache_mode auto): custom plans for the first five runs.
    expect(await plans('SELECT name, 1 AS unmarked')).toEqual({ generic_plans: 0, custom_plans: 3 });
    expect((await thread.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]!.plan_cache_mode).toBe('auto');
  });

  it('prepares a statement again when a table changed under its plan', async () => {
    const read = () => thread.query<Record<string, unknown>>('SELECT * FROM items WHERE id = $1', [1]);
    expect(Object.keys((await read()).rows[0]!)).toEqual(['id', 'name', 'created_at']);
    await thread.exec('ALTER TABLE items ADD COLUMN note text');
    expect(Object.keys((await read()).rows[0]!)).toEqual(['id', 'name', 'created_at', 'note']);
  });

  it('keeps working past the number of statements it keeps prepared', async () => {
    for (let n = 0; n < 520; n++) {
      const { rows } = await thread.query<{ n: number }>(`SELECT $1::int + ${n} AS n`, [1]);
      expect(rows[0]!.n).toBe(n + 1);
    }
    expect((await thread.query<{ n: number }>('SELECT $1::int + 0 AS n', [7])).rows[0]!.n).toBe(7);
  });

  it("passes PostgreSQL's errors with their SQLSTATE", async () => {
    const error = await database.db.execute(sql`INSERT INTO items (id, name) VALUES (1, 'again')`).catch((caught: unknown) => caught);
    expect(isUniqueViolation(error)).toBe(true);
    await expect(thread.query('SELEC 1')).rejects.toThrow(/syntax error/);
  });

  it('commits and rolls back transactions; a statement from outside waits for an open one', async () => {
    let outsideSaw: number | undefined;
    await withTx(database.db, async (tx) => {
      await tx.execute(sql`INSERT INTO items (id, name) VALUES (100, 'in a transaction')`);
      void queryRows<{ n: number }>(database.db, sql`SELECT count(*)::int AS n FROM items WHERE id = 100`).then(([row]) => (outsideSaw = row!.n));
      await sleep(50);
      expect(outsideSaw).toBeUndefined();
    });
    await sleep(0);
    await queryRows(database.db, sql`SELECT 1`);
    expect(outsideSaw).toBe(1);

    await expect(withTx(database.db, async (tx) => {
      await tx.execute(sql`INSERT INTO items (id, name) VALUES (101, 'rolled back')`);
      throw new Error('abort');
    })).rejects.toThrow('abort');
    expect(await queryRows(database.db, sql`SELECT id FROM items WHERE id = 101`)).toEqual([]);
  });

  it('rejects an open that fails (a damaged dump)', async () => {
    await expect(startPgliteThread({ dump: new Uint8Array([1, 2, 3]) })).rejects.toThrow();
  });

  it("delivers a notification before the result of the statement that sent it", async () => {
    const received: string[] = [];
    await thread.listen('thread_test', (payload) => received.push(payload));
    await thread.query("SELECT pg_notify('thread_test', 'first')");
    expect(received).toEqual(['first']);
    await withTx(database.db, async (tx) => {
      await tx.execute(sql`SELECT pg_notify('thread_test', 'at commit')`);
      expect(received).toEqual(['first']);
    });
    expect(received).toEqual(['first', 'at commit']);
  });
});
