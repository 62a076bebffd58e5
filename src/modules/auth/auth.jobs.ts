import { z } from 'zod';

import type { Db } from '../../db/client.js';
import { defineJob, type ScheduleDefinition } from '../../jobs/registry.js';
import { createSessionRepo } from './session.repo.js';

/** Hourly clean-up of expired sign-in state; idempotent (deleting what is already gone is a no-op). */
export const createAuthJobs = (deps: { db: Db }) => ({
  jobs: [
    defineJob({
      name: 'auth.prune',
      payload: z.object({}),
      handler: async () => {
        await createSessionRepo(deps.db).pruneExpired();
      },
    }),
  ],
  schedules: [{ name: 'auth.prune.hourly', cron: '41 * * * *', job: 'auth.prune', payload: {} }] satisfies ScheduleDefinition[],
});
