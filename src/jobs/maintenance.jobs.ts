import { z } from 'zod';

import type { Db } from '../db/client.js';
import type { Queue } from './queue.js';
import { defineJob, type ScheduleDefinition } from './registry.js';

const COMPLETED_RETENTION_DAYS = 7;

export const createMaintenanceJobs = (deps: { db: Db; queue: () => Queue }) => ({
  jobs: [
    defineJob({
      name: 'jobs.prune',
      payload: z.object({}),
      handler: async () => {
        await deps.queue().pruneCompleted(deps.db, COMPLETED_RETENTION_DAYS);
      },
    }),
  ],
  schedules: [{ name: 'jobs.prune.daily', cron: '17 3 * * *', job: 'jobs.prune', payload: {} }] satisfies ScheduleDefinition[],
});
