import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

import type { Logger } from 'pino';

import { systemContext } from '../app/context.js';
import type { Metrics } from '../app/metrics.js';
import type { Db } from '../db/client.js';
import type { Queue } from './queue.js';
import type { JobRegistry } from './registry.js';
import type { createScheduler } from './scheduler.js';

export type WorkerOptions = { concurrency: number; pollIntervalMs: number; leaseMs: number };

export type Worker = ReturnType<typeof createWorker>;

export const createWorker = (deps: {
  db: Db;
  queue: Queue;
  registry: JobRegistry;
  scheduler: ReturnType<typeof createScheduler>;
  metrics: Metrics;
  logger: Logger;
  options: WorkerOptions;
}) => {
  const { db, queue, registry, options } = deps;
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const log = deps.logger.child({ component: 'worker', worker_id: workerId });
  const active = new Map<string, { done: Promise<void>; abort: AbortController }>();
  let running = false;
  let loop: Promise<void> | undefined;
  let wake = new AbortController();

  const runJob = async (job: Awaited<ReturnType<Queue['claim']>>[number], abort: AbortController) => {
    const definition = registry.get(job.name)!;
    const heartbeat = setInterval(() => {
      queue.heartbeat(db, job.id, workerId).catch((error: unknown) => log.warn({ err: error, job_id: job.id }, 'heartbeat failed'));
    }, Math.max(50, options.leaseMs / 3));
    try {
      const parsed = definition.payload.safeParse(job.payload);
      if (!parsed.success) {
        await queue.fail(db, job, workerId, `invalid payload: ${parsed.error.message}`, { retryable: false });
        deps.metrics.jobsFailed.inc({ name: job.name, outcome: 'dead' });
        return;
      }
      const tenantId = (parsed.data as { tenantId?: unknown }).tenantId;
      await definition.handler(parsed.data, {
        id: job.id,
        attempt: job.attempts,
        ctx: typeof tenantId === 'string' ? systemContext(tenantId, job.id) : undefined,
        signal: abort.signal,
      });
      await queue.complete(db, job.id, workerId);
      deps.metrics.jobsProcessed.inc({ name: job.name });
    } catch (error) {
      if (abort.signal.aborted) return; // released at shutdown; another worker will run it
      const message = error instanceof Error ? error.message : String(error);
      const outcome = await queue.fail(db, job, workerId, message, { retryable: true });
      deps.metrics.jobsFailed.inc({ name: job.name, outcome });
      log[outcome === 'dead' ? 'error' : 'warn']({ job_id: job.id, job: job.name, attempt: job.attempts, err: error }, `job ${outcome}`);
    } finally {
      clearInterval(heartbeat);
    }
  };

  const pollOnce = async (): Promise<number> => {
    await queue.recoverExpired(db);
    await deps.scheduler.tick();
    const claimed = await queue.claim(db, workerId, options.concurrency - active.size);
    for (const job of claimed) {
      const abort = new AbortController();
      const done = runJob(job, abort).finally(() => {
        active.delete(job.id);
        wake.abort();
      });
      active.set(job.id, { done, abort });
    }
    return claimed.length;
  };

  const run = async () => {
    while (running) {
      try {
        const claimed = await pollOnce();
        if (claimed > 0 && active.size < options.concurrency) continue;
      } catch (error) {
        log.error({ err: error }, 'worker poll failed');
      }
      wake = new AbortController();
      await sleep(options.pollIntervalMs, undefined, { signal: wake.signal }).catch(() => {});
    }
  };

  return {
    id: workerId,
    isRunning: () => running,
    start: async () => {
      if (running) return;
      await deps.scheduler.sync();
      running = true;
      loop = run();
      log.info({ jobs: [...registry.keys()], concurrency: options.concurrency }, 'worker started');
    },
    /** Stops claiming, waits for in-flight jobs up to `timeoutMs`, then hands the rest back to the queue. */
    stop: async (timeoutMs: number) => {
      if (!running) return;
      running = false;
      wake.abort();
      await loop;
      const pending = [...active.values()].map((entry) => entry.done);
      const timedOut = await Promise.race([
        Promise.allSettled(pending).then(() => false),
        sleep(timeoutMs).then(() => true),
      ]);
      if (timedOut) {
        const ids = [...active.keys()];
        for (const entry of active.values()) entry.abort.abort();
        await queue.release(db, ids, workerId);
        log.warn({ released: ids.length }, 'released unfinished jobs at shutdown');
      }
      log.info('worker stopped');
    },
    /** Runs one claim round; lets tests and the CLI drive the queue without the polling loop. */
    pollOnce,
    drain: () => Promise.allSettled([...active.values()].map((entry) => entry.done)),
  };
};
