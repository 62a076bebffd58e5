import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import pg from 'pg';

import { fromPglite, openPostgres, type Database } from '../../src/db/client.js';
import { startPgliteThread } from '../../src/db/pglite-thread.js';

export type TestDatabaseTemplate = { kind: 'embedded'; dumpPath: string } | { kind: 'postgres'; adminUrl: string; template: string };

export const databaseUrl = (adminUrl: string, name: string): string => {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

export const adminQuery = async (adminUrl: string, text: string): Promise<void> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
};

/**
 * A fresh, migrated database per test file: PGlite loaded from the migrated template's dump, or on PostgreSQL a new
 * database created from the migrated template database. Closing drops it.
 */
export const openTestDatabase = async (template: TestDatabaseTemplate): Promise<Database> => {
  if (template.kind === 'embedded') {
    const dump = new Uint8Array(await readFile(template.dumpPath));
    return fromPglite(await startPgliteThread({ dump }));
  }
  const name = `sbt_${randomBytes(6).toString('hex')}`;
  await adminQuery(template.adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template.template}`);
  const database = openPostgres(databaseUrl(template.adminUrl, name), 5);
  return {
    ...database,
    close: async () => {
      await database.close();
      await adminQuery(template.adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
};
