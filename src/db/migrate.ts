import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Database } from './client.js';

// Resolves to src/db/migrations from both src/db (tsx) and dist/db (built): SQL files are not copied into dist.
const MIGRATIONS_DIR = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
// Arbitrary but fixed: every Switchboard process contends for this one key.
const MIGRATION_LOCK_KEY = 7_220_431_001;

export type Migration = { name: string; sql: string };

export const listMigrations = (dir = MIGRATIONS_DIR): Migration[] =>
  readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ name: file.replace(/\.sql$/, ''), sql: readFileSync(`${dir}${file}`, 'utf8') }));

/**
 * Applies pending migrations in order, each in its own transaction, under a session-level advisory lock so that
 * several processes starting at once against one PostgreSQL apply each migration exactly once.
 */
export const migrate = async (database: Database, migrations = listMigrations()): Promise<string[]> => {
  const session = await database.session();
  try {
    await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await session.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const applied = new Set(
        (await session.query<{ name: string }>('SELECT name FROM schema_migrations')).map((row) => row.name),
      );
      const pending = migrations.filter((migration) => !applied.has(migration.name));
      for (const migration of pending) {
        // One multi-statement call: PGlite holds its lock for the whole transaction only when it is a single call.
        try {
          await session.exec(
            `BEGIN;\n${migration.sql}\n;INSERT INTO schema_migrations (name) VALUES ('${migration.name}');\nCOMMIT;`,
          );
        } catch (error) {
          await session.exec('ROLLBACK').catch(() => {});
          throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
        }
      }
      return pending.map((migration) => migration.name);
    } finally {
      await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await session.release();
  }
};

export const pendingMigrations = async (database: Database, migrations = listMigrations()): Promise<string[]> => {
  const session = await database.session();
  try {
    const rows = await session.query<{ name: string }>('SELECT name FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.name));
    return migrations.filter((migration) => !applied.has(migration.name)).map((migration) => migration.name);
  } catch {
    // No schema_migrations table yet: nothing is applied.
    return migrations.map((migration) => migration.name);
  } finally {
    await session.release();
  }
};
