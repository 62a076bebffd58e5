import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { TestProject } from 'vitest/node';

import { fromPglite, openPostgres } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { adminQuery, databaseUrl, type TestDatabaseTemplate } from './databases.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseTemplate: TestDatabaseTemplate;
  }
}

/** Migrates once per run; every test file then starts from a copy (see docs/testing.md for the measured cost). */
export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const template = `sbtpl_${randomBytes(6).toString('hex')}`;
    await adminQuery(adminUrl, `CREATE DATABASE ${template}`);
    const database = openPostgres(databaseUrl(adminUrl, template), 1);
    await migrate(database);
    await database.close();
    project.provide('databaseTemplate', { kind: 'postgres', adminUrl, template });
    return async () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-test-'));
  const client = await PGlite.create({ extensions: { vector } });
  await migrate(fromPglite(client));
  const dump = await client.dumpDataDir('none');
  await client.close();
  const dumpPath = join(dir, 'template.tar');
  await writeFile(dumpPath, Buffer.from(await dump.arrayBuffer()));
  project.provide('databaseTemplate', { kind: 'embedded', dumpPath });
  return async () => rm(dir, { recursive: true, force: true });
}
