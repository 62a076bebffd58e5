import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import { inject } from 'vitest';

import { buildApp, type App } from '../../src/app/build-app.js';
import { createContainer, type Container } from '../../src/app/container.js';
import { loadConfig, type Config } from '../../src/config/env.js';
import type { Database } from '../../src/db/client.js';
import type { AnyJobDefinition, ScheduleDefinition } from '../../src/jobs/registry.js';
import { openTestDatabase } from './databases.js';
import { installSecretLeakGuard } from './secret-leak-guard.js';

export type TestApp = {
  app: App;
  container: Container;
  database: Database;
  config: Config;
  /** Leaks the response scan found (see secret-leak-guard.ts); close() fails when any remain. */
  secretLeaks: string[];
  close: () => Promise<void>;
};

export type TestAppOptions = {
  env?: Record<string, string>;
  jobs?: AnyJobDefinition[];
  schedules?: ScheduleDefinition[];
  /**
   * A database the test opened itself (e.g. on a data dir another process uses too); close() closes it. Default: a
   * fresh copy of the migrated template.
   */
  database?: Database;
};

/** The real app on its own freshly migrated database (PGlite, or PostgreSQL when TEST_DATABASE_URL is set). */
export const createTestApp = async (options: TestAppOptions = {}): Promise<TestApp> => {
  const database = options.database ?? (await openTestDatabase(inject('databaseTemplate')));
  const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-app-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RUN_MODES: 'api',
    WORKER_POLL_INTERVAL_MS: '20',
    // Load shedding answers 503 when the event loop lags, which a busy CI machine parsing PDFs makes it do; a test
    // of the shedding itself turns it back on.
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...options.env,
  });
  const container = await createContainer({
    config,
    database,
    logger: pino({ level: config.logLevel }),
    jobs: options.jobs,
    schedules: options.schedules,
  });
  const app = await buildApp(container);
  // Every suite scans every response for password hashes, token hashes and re-shown API key secrets.
  const leakGuard = installSecretLeakGuard(app, database.db);
  await app.ready();
  return {
    app,
    container,
    database,
    config,
    secretLeaks: leakGuard.leaks,
    close: async () => {
      await app.close();
      await container.close();
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
      if (leakGuard.leaks.length > 0) throw new Error(leakGuard.leaks.join('\n'));
    },
  };
};
