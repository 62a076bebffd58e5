import type { Logger } from 'pino';
import { z } from 'zod';

import { runAutovacuum } from '../db/autovacuum.js';
import type { Db } from '../db/client.js';
import type { Queue } from './queue.js';
import { defineJob, type ScheduleDefinition } from './registry.js';

const COMPLETED_RETENTION_DAYS = 7;

/** The embedded database's stand-in for autovacuum; also enqueued by bulk writes that leave statistics stale. */
export const AUTOVACUUM_JOB = 'db.autovacuum';

/** `embedded`: PGlite, which has no autovacuum of its own (db/autovacuum.ts); a server needs no such job. */
export const createMaintenanceJobs = (deps: { db: Db; queue: () => Queue; embedded: boolean; logger: Logger }) => ({
  jobs: [
    defineJob({
      name: 'jobs.prune',
      payload: z.object({}),
      handler: async () => {
        await deps.queue().pruneCompleted(deps.db, COMPLETED_RETENTION_DAYS);
      },
    }),
    defineJob({
      name: AUTOVACUUM_JOB,
      payload: z.object({}),
      handler: async () => {
        const maintained = await runAutovacuum(deps.db);
        if (maintained.length > 0) deps.logger.debug({ component: 'autovacuum', tables: maintained }, 'tables vacuumed or analysed');
      },
    }),
  ],
  schedules: [
    { name: 'jobs.prune.daily', cron: '17 3 * * *', job: 'jobs.prune', payload: {} },
    ...(deps.embedded ? [{ name: 'db.autovacuum.minutely', cron: '* * * * *', job: AUTOVACUUM_JOB, payload: {} }] : []),
  ] satisfies ScheduleDefinition[],
});
