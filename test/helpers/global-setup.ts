import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { TestProject } from 'vitest/node';

import { fromPglite, openPostgres } from '../../src/db/client.js';
import { listMigrations, migrate } from '../../src/db/migrate.js';
import { adminQuery, databaseUrl, type TestDatabaseTemplate } from './databases.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseTemplate: TestDatabaseTemplate;
  }
}

/** Migrates once (per run on PostgreSQL, per migration set on PGlite); every test file then starts from a copy (docs/testing.md). */
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
  // Migrating a fresh PGlite costs seconds of CPU; the dump is cached by the migrations' content and the PGlite
  // version, so only a run after one of them changed pays it.
  const pglite = await readFile(join('node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8');
  const digest = createHash('sha256').update(JSON.stringify([listMigrations(), pglite])).digest('hex').slice(0, 16);
  const dir = join('node_modules', '.cache', 'switchboard-test');
  const dumpPath = join(dir, `template-${digest}.tar`);
  if (!(await stat(dumpPath).catch(() => undefined))) {
    const client = await PGlite.create({ extensions: { vector } });
    await migrate(fromPglite(client));
    const dump = await client.dumpDataDir('none');
    await client.close();
    await mkdir(dir, { recursive: true });
    // Written under a unique name and renamed, so concurrent runs never read a half-written template.
    const partial = `${dumpPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, dumpPath);
  }
  project.provide('databaseTemplate', { kind: 'embedded', dumpPath });
}
