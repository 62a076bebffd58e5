import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openPostgres, queryRows } from '../../../src/db/client.js';
import { listMigrations, migrate, pendingMigrations } from '../../../src/db/migrate.js';
import { schema } from '../../../src/db/schema.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { adminQuery, databaseUrl } from '../../helpers/databases.js';

describe('database', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('has every migration applied and pgvector available', async () => {
    expect(await pendingMigrations(t.database)).toEqual([]);
    const [row] = await queryRows<{ distance: number }>(t.database.db, sql`SELECT '[1,0]'::vector <-> '[0,0]'::vector AS distance`);
    expect(Number(row?.distance)).toBe(1);
  });

  it('keeps the typed schema in step with the SQL migrations', async () => {
    const columns = await queryRows<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      t.database.db,
      sql`SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    for (const table of Object.values(schema) as PgTable[]) {
      const config = getTableConfig(table);
      const actual = columns.filter((column) => column.table_name === config.name);
      expect(actual.map((column) => column.column_name).sort(), config.name).toEqual(config.columns.map((column) => column.name).sort());
      for (const column of config.columns) {
        const found = actual.find((candidate) => candidate.column_name === column.name)!;
        expect(found.is_nullable === 'NO', `${config.name}.${column.name} NOT NULL`).toBe(column.notNull);
      }
    }
  });

  it('re-running migrations applies nothing', async () => {
    expect(await migrate(t.database)).toEqual([]);
  });

  it('rolls back a failing migration whole and names it', async () => {
    const broken = [...listMigrations(), { name: '9999_broken', sql: 'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;' }];
    await expect(migrate(t.database, broken)).rejects.toThrow(/migration 9999_broken failed/);
    const [row] = await queryRows<{ exists: string | null }>(t.database.db, sql`SELECT to_regclass('half_done')::text AS exists`);
    expect(row?.exists).toBeNull();
    expect(await pendingMigrations(t.database, broken)).toEqual(['9999_broken']);
  });
});

describe('migrations on a PostgreSQL server', () => {
  it.runIf(process.env.TEST_DATABASE_URL)('apply once when several processes start at the same moment', async () => {
    const adminUrl = process.env.TEST_DATABASE_URL!;
    const name = `sbt_race_${process.pid}`;
    await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
    const databases = Array.from({ length: 4 }, () => openPostgres(databaseUrl(adminUrl, name), 2));
    try {
      const results = await Promise.all(databases.map((database) => migrate(database)));
      expect(results.flat()).toEqual(listMigrations().map((migration) => migration.name));
    } finally {
      await Promise.all(databases.map((database) => database.close()));
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});
