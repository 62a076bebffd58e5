import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { createContainer } from '../../../src/app/container.js';
import { loadConfig } from '../../../src/config/env.js';
import { openDatabase, type Database } from '../../../src/db/client.js';
import { migrate } from '../../../src/db/migrate.js';
import { defineJob } from '../../../src/jobs/registry.js';
import { adminQuery, databaseUrl } from '../../helpers/databases.js';

const runs: string[] = [];
const crashMe = defineJob({
  name: 'test.crash-me',
  payload: z.object({ value: z.string() }),
  handler: async (payload) => {
    runs.push(payload.value);
  },
});

describe('a worker killed with kill -9', () => {
  it('does not lose its job: the job runs again after the lease expires', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-crash-'));
    const adminUrl = process.env.TEST_DATABASE_URL;
    const dbName = `sbt_crash_${process.pid}`;
    if (adminUrl) await adminQuery(adminUrl, `CREATE DATABASE ${dbName}`);
    const env = { DATA_DIR: dataDir, JOB_LEASE_MS: '1000', ...(adminUrl ? { DATABASE_URL: databaseUrl(adminUrl, dbName) } : {}) };
    const config = loadConfig({ ...env, LOG_LEVEL: 'silent', RUN_MODES: 'worker', WORKER_POLL_INTERVAL_MS: '20' });
    const open = () => openDatabase({ url: config.database.url, dataDir, poolMax: 2 });
    let database: Database | undefined;
    try {
      database = await open();
      await migrate(database);
      let container = await createContainer({ config, database, logger: pino({ level: 'silent' }), jobs: [crashMe] });
      const id = await container.queue.enqueue(database.db, 'test.crash-me', { value: 'survivor' });
      // Embedded mode allows one process per data dir: hand it to the child.
      if (!adminUrl) await database.close();

      const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hanging-worker.ts'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('job started') && resolve());
        child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
      });
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      if (!adminUrl) database = await open(); // takes over the dead process's lock
      container = await createContainer({ config, database, logger: pino({ level: 'silent' }), jobs: [crashMe] });
      expect(await container.queue.get(database.db, id)).toMatchObject({ state: 'running', attempts: 1 });
      await sleep(1100);
      await container.worker.pollOnce();
      await container.worker.pollOnce();
      await container.worker.drain();
      expect(runs).toEqual(['survivor']);
      expect(await container.queue.get(database.db, id)).toMatchObject({ state: 'completed', attempts: 2 });
    } finally {
      await database?.close();
      if (adminUrl) await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000); // a cold start of a child process (tsx + PGlite) on a busy 2-core machine: once over 30 s at load 2-4
});
