import { CronExpressionParser } from 'cron-parser';
import { sql } from 'drizzle-orm';

import { queryRows, type Db } from '../db/client.js';
import { jobSchedules } from '../db/schema.js';
import { withTx } from '../db/tx.js';
import type { Queue } from './queue.js';
import type { ScheduleDefinition } from './registry.js';

export const nextRun = (cron: string, after: Date): Date =>
  CronExpressionParser.parse(cron, { currentDate: after, tz: 'UTC' }).next().toDate();

/**
 * Cron in the database: each schedule row holds its next run; whichever worker locks a due row enqueues the job
 * (deduplicated by the tick time) and advances it, so N workers fire each tick once.
 */
export const createScheduler = (deps: { db: Db; queue: Queue; schedules: ScheduleDefinition[] }) => {
  const byName = new Map(deps.schedules.map((schedule) => [schedule.name, schedule]));

  return {
    /** Writes the schedules; a changed cron expression restarts its timing, an unchanged one keeps it. */
    sync: async () => {
      for (const schedule of deps.schedules) {
        const next = nextRun(schedule.cron, new Date());
        await deps.db
          .insert(jobSchedules)
          .values({ name: schedule.name, cron: schedule.cron, nextRunAt: next })
          .onConflictDoUpdate({
            target: jobSchedules.name,
            set: {
              cron: schedule.cron,
              nextRunAt: sql`CASE WHEN ${jobSchedules.cron} = ${schedule.cron} THEN ${jobSchedules.nextRunAt} ELSE ${next.toISOString()}::timestamptz END`,
            },
          });
      }
    },

    tick: async (): Promise<number> => {
      if (byName.size === 0) return 0;
      return withTx(deps.db, async (tx) => {
        const due = await queryRows<{ name: string; next_run_at: string | Date }>(tx, sql`
          SELECT name, next_run_at FROM job_schedules WHERE next_run_at <= now() FOR UPDATE SKIP LOCKED`);
        let fired = 0;
        for (const row of due) {
          const schedule = byName.get(row.name);
          if (!schedule) continue;
          const tickAt = new Date(row.next_run_at);
          await deps.queue.enqueue(tx, schedule.job, schedule.payload, { dedupeKey: `cron:${schedule.name}:${tickAt.toISOString()}` });
          await tx.execute(sql`
            UPDATE job_schedules SET last_run_at = now(), next_run_at = ${nextRun(schedule.cron, new Date()).toISOString()}::timestamptz
            WHERE name = ${row.name}`);
          fired += 1;
        }
        return fired;
      });
    },
  };
};
