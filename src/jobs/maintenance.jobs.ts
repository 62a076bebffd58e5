import { sql } from 'drizzle-orm';
import { z } from 'zod';

import type { Db } from '../db/client.js';
import { defineJob, type ScheduleDefinition } from './registry.js';

const COMPLETED_RETENTION_DAYS = 7;

/** Completed jobs are kept a week for inspection, then pruned so the claim indexes stay small. Dead jobs stay. */
export const createMaintenanceJobs = (deps: { db: Db }) => ({
  jobs: [
    defineJob({
      name: 'jobs.prune',
      payload: z.object({}),
      handler: async () => {
        await deps.db.execute(sql`
          DELETE FROM jobs WHERE state = 'completed' AND completed_at < now() - make_interval(days => ${COMPLETED_RETENTION_DAYS})`);
      },
    }),
  ],
  schedules: [{ name: 'jobs.prune.daily', cron: '17 3 * * *', job: 'jobs.prune', payload: {} }] satisfies ScheduleDefinition[],
});
