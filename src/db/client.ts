import { join } from 'node:path';

import type { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';

import { pgliteChangeFeed, type ChangeFeed } from './change-feed.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { startPgliteThread, type PgliteThread } from './pglite-thread.js';
import { schema } from './schema.js';

type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything a repository can run statements on: the database or an open transaction. */
export type Executor = Db | Tx;

/** Minimal raw access for the migration runner, which must hold one session for its advisory lock. */
export type SqlSession = {
  exec: (sql: string) => Promise<void>;
  query: <T>(sql: string, params?: unknown[]) => Promise<T[]>;
  release: () => Promise<void>;
};

export type PoolStats = { total: number; idle: number; waiting: number };

export type Database = {
  kind: 'embedded' | 'postgres';
  db: Db;
  /** Embedded only: see ChangeFeed. */
  changes?: ChangeFeed;
  ping: () => Promise<void>;
  session: () => Promise<SqlSession>;
  poolStats: () => PoolStats;
  close: () => Promise<void>;
};

/** Embedded PGlite as the app runs it: in its own thread (pglite-thread.ts), its files under the data dir. */
export const openPglite = (dataDir?: string): Promise<PgliteThread> =>
  startPgliteThread({ dataDir: dataDir ? join(dataDir, 'pgdata') : undefined });

/** An in-process PGlite (migrating a template, dumping it) or one in its thread, as the app runs it. */
export type EmbeddedClient = PGlite | PgliteThread;

/** Wraps an already open PGlite; closing the database closes it, then runs `onClose`. */
export const fromPglite = (client: EmbeddedClient, options: { onClose?: () => void | Promise<void> } = {}): Database => ({
  kind: 'embedded',
  // drizzle's PGlite driver calls query() and transaction() (whose handle it calls query() on): the thread has both.
  db: drizzlePglite({ client: client as PGlite, schema }) as unknown as Db,
  changes: pgliteChangeFeed(client),
  ping: async () => {
    await client.query('SELECT 1');
  },
  session: async () => ({
    exec: async (text) => {
      await client.exec(text);
    },
    query: async <T>(text: string, params?: unknown[]) => (await client.query<T>(text, params)).rows,
    release: async () => {},
  }),
  poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
  close: async () => {
    await client.close();
    await options.onClose?.();
  },
});

export const openPostgres = (url: string, poolMax: number): Database => {
  const pool = new pg.Pool({ connectionString: url, max: poolMax });
  // An idle client losing its server connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    db: drizzlePg({ client: pool, schema }) as unknown as Db,
    ping: async () => {
      await pool.query('SELECT 1');
    },
    session: async () => {
      const client = await pool.connect();
      return {
        exec: async (text) => {
          await client.query(text);
        },
        query: async <T>(text: string, params?: unknown[]) =>
          (await client.query(text, params)).rows as T[],
        release: async () => client.release(),
      };
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
};

export const openDatabase = async (options: {
  url?: string;
  dataDir: string;
  poolMax: number;
}): Promise<Database> => {
  if (options.url) return openPostgres(options.url, options.poolMax);
  const lock = acquireDataDirLock(options.dataDir);
  try {
    return fromPglite(await openPglite(options.dataDir), { onClose: lock.release });
  } catch (error) {
    lock.release();
    throw error;
  }
};

/** Raw SQL rows; the driver-generic db type cannot know the row shape of a hand-written statement. */
export const queryRows = async <T>(db: Executor, query: SQL): Promise<T[]> =>
  ((await db.execute(query)) as unknown as { rows: T[] }).rows;
