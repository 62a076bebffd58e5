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
  /** One entry per slot: a single job, or the jobs of a batch. Shutdown hands back every id of an entry. */
  const active = new Map<string, { done: Promise<void>; abort: AbortController; ids: string[] }>();
  let running = false;
  let loop: Promise<void> | undefined;
  let wake = new AbortController();

  type Claimed = Awaited<ReturnType<Queue['claim']>>[number];

  const keepLeased = (ids: string[]) =>
    setInterval(() => {
      queue.heartbeat(db, ids.length === 1 ? ids[0]! : ids, workerId).catch((error: unknown) => log.warn({ err: error, job_ids: ids }, 'heartbeat failed'));
    }, Math.max(50, options.leaseMs / 3));

  const runOf = (job: Claimed, payload: unknown, abort: AbortController) => {
    const tenantId = (payload as { tenantId?: unknown }).tenantId;
    return {
      id: job.id,
      attempt: job.attempts,
      ctx: typeof tenantId === 'string' ? systemContext(tenantId, job.id) : undefined,
      signal: abort.signal,
    };
  };

  /** Parses the payload; an invalid one ends the job as dead at once (no retry can fix it). */
  const payloadOf = async (job: Claimed): Promise<{ ok: true; payload: unknown } | { ok: false }> => {
    const parsed = registry.get(job.name)!.payload.safeParse(job.payload);
    if (parsed.success) return { ok: true, payload: parsed.data };
    await queue.fail(db, job, workerId, `invalid payload: ${parsed.error.message}`, { retryable: false });
    deps.metrics.jobsFailed.inc({ name: job.name, outcome: 'dead' });
    return { ok: false };
  };

  /** Runs one job through its single handler, with its own acknowledgement or failure accounting. */
  const execute = async (job: Claimed, payload: unknown, abort: AbortController) => {
    try {
      await registry.get(job.name)!.handler(payload, runOf(job, payload, abort));
      await queue.complete(db, job.id, workerId);
      deps.metrics.jobsProcessed.inc({ name: job.name });
    } catch (error) {
      if (abort.signal.aborted) return; // released at shutdown; another worker will run it
      const message = error instanceof Error ? error.message : String(error);
      const outcome = await queue.fail(db, job, workerId, message, { retryable: true });
      deps.metrics.jobsFailed.inc({ name: job.name, outcome });
      log[outcome === 'dead' ? 'error' : 'warn']({ job_id: job.id, job: job.name, attempt: job.attempts, err: error }, `job ${outcome}`);
    }
  };

  const runJob = async (job: Claimed, abort: AbortController) => {
    const heartbeat = keepLeased([job.id]);
    try {
      const parsed = await payloadOf(job);
      if (parsed.ok) await execute(job, parsed.payload, abort);
    } finally {
      clearInterval(heartbeat);
    }
  };

  /**
   * A batch runs through the definition's batch handler and is acknowledged in one statement. If the handler throws,
   * every job of the batch runs again alone: handlers are idempotent, and the failure lands on the job that causes it.
   */
  const runBatch = async (batch: Claimed[], abort: AbortController) => {
    const definition = registry.get(batch[0]!.name)!;
    const heartbeat = keepLeased(batch.map((job) => job.id));
    try {
      const items: { job: Claimed; payload: unknown }[] = [];
      for (const job of batch) {
        const parsed = await payloadOf(job);
        if (parsed.ok) items.push({ job, payload: parsed.payload });
      }
      if (items.length === 0) return;
      try {
        await definition.batch!.handler(items.map(({ job, payload }) => ({ payload, run: runOf(job, payload, abort) })));
      } catch (error) {
        if (abort.signal.aborted) return;
        log.warn({ job: definition.name, jobs: items.length, err: error }, 'batch failed; running its jobs one by one');
        for (const { job, payload } of items) {
          if (abort.signal.aborted) return;
          await execute(job, payload, abort);
        }
        return;
      }
      await queue.completeMany(db, items.map(({ job }) => job.id), workerId);
      deps.metrics.jobsProcessed.inc({ name: definition.name }, items.length);
    } finally {
      clearInterval(heartbeat);
    }
  };

  /** Claimed jobs of a batch-capable name go into batches of at most its size; every other job runs alone. */
  const slotsOf = (claimed: Claimed[]): Claimed[][] => {
    const slots: Claimed[][] = [];
    const open = new Map<string, Claimed[]>();
    for (const job of claimed) {
      const size = registry.get(job.name)?.batch?.size;
      if (!size) {
        slots.push([job]);
        continue;
      }
      let batch = open.get(job.name);
      if (!batch || batch.length >= size) {
        batch = [];
        open.set(job.name, batch);
        slots.push(batch);
      }
      batch.push(job);
    }
    return slots;
  };

  const pollOnce = async (): Promise<number> => {
    await queue.recoverExpired(db);
    await deps.scheduler.tick();
    const claimed = await queue.claim(db, workerId, options.concurrency - active.size);
    for (const slot of slotsOf(claimed)) {
      const abort = new AbortController();
      const key = slot[0]!.id;
      const isBatch = registry.get(slot[0]!.name)?.batch !== undefined;
      const done = (isBatch ? runBatch(slot, abort) : runJob(slot[0]!, abort)).finally(() => {
        active.delete(key);
        wake.abort();
      });
      active.set(key, { done, abort, ids: slot.map((job) => job.id) });
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
        const ids = [...active.values()].flatMap((entry) => entry.ids);
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
