import { sql } from 'drizzle-orm';

import { queryRows, type Db } from './client.js';

/**
 * PostgreSQL's default autovacuum thresholds: a table is vacuumed when its dead rows exceed 50 + 20 % of its live
 * rows, analysed when the rows changed since the last ANALYZE exceed 50 + 10 %.
 */
const THRESHOLDS = { vacuumBase: 50, vacuumScale: 0.2, analyzeBase: 50, analyzeScale: 0.1 } as const;

export type MaintainedTable = { table: string; vacuumed: boolean };

/**
 * Embedded PGlite runs no autovacuum launcher. Without this, tables are never analysed, so the planner assumes a
 * handful of rows and picks nested loops over whole tables (a 5-chunk lookup read 850 buffers on a 350-chunk
 * knowledge base), and busy tables such as jobs never get their dead rows back. This does what autovacuum would,
 * with its thresholds, one table at a time (each statement blocks PGlite's thread only briefly). A PostgreSQL server
 * has its own autovacuum and does not run this.
 */
export const runAutovacuum = async (db: Db): Promise<MaintainedTable[]> => {
  // Code constants, inlined as literals (as parameters their types would be guessed from the bigint columns).
  const [vacuumBase, vacuumScale, analyzeBase, analyzeScale] = [THRESHOLDS.vacuumBase, THRESHOLDS.vacuumScale, THRESHOLDS.analyzeBase, THRESHOLDS.analyzeScale].map((n) => sql.raw(String(n)));
  const needsVacuum = sql`n_dead_tup > ${vacuumBase} + ${vacuumScale} * n_live_tup`;
  // Table counters reach pg_stat_user_tables when the backend flushes them (at most once a second): a run right after
  // a bulk write would otherwise see none of it. The flush happens when this statement ends.
  await db.execute(sql`SELECT pg_stat_force_next_flush()`);
  const due = await queryRows<{ relname: string; vacuum: boolean }>(db, sql`
    SELECT relname, ${needsVacuum} AS vacuum
    FROM pg_stat_user_tables
    WHERE schemaname = 'public' AND (${needsVacuum} OR n_mod_since_analyze > ${analyzeBase} + ${analyzeScale} * n_live_tup)
    ORDER BY relname`);
  for (const row of due) {
    await db.execute(sql.raw(`${row.vacuum ? 'VACUUM (ANALYZE)' : 'ANALYZE'} public.${quoteIdentifier(row.relname)}`));
  }
  return due.map((row) => ({ table: row.relname, vacuumed: row.vacuum }));
};

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
