import { z } from 'zod';

import { defineJob, type ScheduleDefinition } from '../../jobs/registry.js';
import { JOB, PAGE_ATTEMPTS, START_ATTEMPTS, type CrawlerDeps } from './service/deps.js';
import { createCrawlRunner } from './service/run-crawl.js';

const ZStartPayload = z.object({ tenantId: z.uuid(), scrapeId: z.uuid(), runId: z.uuid() });
const ZPagePayload = z.object({ tenantId: z.uuid(), scrapeId: z.uuid(), pageId: z.uuid() });

export const createCrawlerJobs = (deps: CrawlerDeps) => {
  const runner = createCrawlRunner(deps);
  return {
    jobs: [
      defineJob({
        name: JOB.start,
        payload: ZStartPayload,
        maxAttempts: START_ATTEMPTS,
        handler: (payload, run) => runner.start(payload, { ctx: run.ctx!, isLastAttempt: run.attempt >= START_ATTEMPTS }),
      }),
      defineJob({
        name: JOB.page,
        payload: ZPagePayload,
        maxAttempts: PAGE_ATTEMPTS,
        // A busy or failing site gets seconds to minutes before the next try, not an immediate hammering.
        backoff: { baseMs: 5_000, maxMs: 5 * 60_000 },
        handler: (payload, run) => runner.page(payload, { ctx: run.ctx!, isLastAttempt: run.attempt >= PAGE_ATTEMPTS }),
      }),
      defineJob({
        name: JOB.resyncDue,
        payload: z.object({}),
        handler: async (_payload, run) => {
          await runner.settleStranded(run.id);
          await runner.resyncDue(run.id);
        },
      }),
    ],
    schedules: [{ name: 'crawler.resync-due', cron: '*/10 * * * *', job: JOB.resyncDue, payload: {} }] satisfies ScheduleDefinition[],
  };
};
