import { setTimeout as sleep } from 'node:timers/promises';

import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { defineJob, type BatchItem, type JobRun } from '../../../src/jobs/registry.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';

const ZItem = z.object({ tenantId: z.uuid().optional(), value: z.string() });
type Item = z.infer<typeof ZItem>;

/** A batch-capable job whose behaviour each test scripts, recording every batch call and every single run. */
const batchJob = (options: { size: number; batch?: (items: BatchItem<Item>[]) => Promise<void>; single?: (payload: Item, run: JobRun) => Promise<void> }) => {
  const batches: string[][] = [];
  const singles: string[] = [];
  const definition = defineJob({
    name: 'test.batch',
    payload: ZItem,
    maxAttempts: 3,
    backoff: { baseMs: 100, maxMs: 1000 },
    handler: async (payload, run) => {
      singles.push(payload.value);
      await options.single?.(payload, run);
    },
    batch: {
      size: options.size,
      handler: async (items) => {
        batches.push(items.map((item) => item.payload.value));
        await options.batch?.(items);
      },
    },
  });
  return { definition, batches, singles };
};

describe('batch jobs', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  const start = async (definition: ReturnType<typeof batchJob>['definition'], env: Record<string, string> = {}) => {
    t = await createTestApp({ jobs: [definition], env: { JOB_LEASE_MS: '2000', ...env } });
    return t;
  };
  const enqueue = (values: string[]) => Promise.all(values.map((value) => t.container.queue.enqueue(t.database.db, 'test.batch', { value })));
  const states = async (ids: string[]) => Promise.all(ids.map(async (id) => (await t.container.queue.get(t.database.db, id))!));

  it('claims queued jobs of one name together and runs them in batches of at most the size, acknowledged together', async () => {
    const probe = batchJob({ size: 3 });
    await start(probe.definition, { WORKER_CONCURRENCY: '2' });
    const ids = await enqueue(['a', 'b', 'c', 'd', 'e', 'f', 'g']);

    // Two slots: each claimed job brings up to two more of its name, so one round takes six of the seven.
    expect(await t.container.worker.pollOnce()).toBe(6);
    await t.container.worker.drain();
    expect(probe.batches.map((batch) => batch.length)).toEqual([3, 3]);
    expect(await t.container.worker.pollOnce()).toBe(1);
    await t.container.worker.drain();
    expect(probe.batches.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(probe.singles).toEqual([]);
    expect((await states(ids)).map((job) => [job.state, job.attempts])).toEqual(ids.map(() => ['completed', 1]));
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/switchboard_jobs_processed_total\{name="test.batch"\} 7/);
  });

  it('runs every job of a failed batch alone, so only the one at fault retries', async () => {
    const probe = batchJob({
      size: 10,
      batch: async (items) => {
        if (items.some((item) => item.payload.value === 'bad')) throw new Error('one item broke the batch');
      },
      single: async (payload) => {
        if (payload.value === 'bad') throw new Error(`cannot handle ${payload.value}`);
      },
    });
    await start(probe.definition, { WORKER_CONCURRENCY: '1' });
    const [good1, bad, good2] = await enqueue(['good-1', 'bad', 'good-2']);

    await t.container.worker.pollOnce();
    await t.container.worker.drain();
    expect(probe.batches.map((batch) => [...batch].sort())).toEqual([['bad', 'good-1', 'good-2']]);
    expect(probe.singles.sort()).toEqual(['bad', 'good-1', 'good-2']);
    const [first, broken, second] = await states([good1!, bad!, good2!]);
    expect(first).toMatchObject({ state: 'completed', attempts: 1 });
    expect(second).toMatchObject({ state: 'completed', attempts: 1 });
    expect(broken).toMatchObject({ state: 'queued', attempts: 1, lastError: 'cannot handle bad' });

    // The retry comes alone (nothing else is queued) and fails again until the job is dead.
    for (let attempt = 2; attempt <= 3; attempt++) {
      await sleep(300);
      await t.container.worker.pollOnce();
      await t.container.worker.drain();
    }
    expect((await states([bad!]))[0]).toMatchObject({ state: 'dead', attempts: 3 });
    expect(probe.singles.filter((value) => value === 'good-1')).toEqual(['good-1']);
  });

  it('hands every job of an unfinished batch back at shutdown, uncharged', async () => {
    const probe = batchJob({ size: 5, batch: () => sleep(5000) });
    await start(probe.definition, { WORKER_CONCURRENCY: '1' });
    const ids = await enqueue(['x', 'y', 'z']);
    await t.container.worker.start();
    const deadline = Date.now() + 10_000;
    while (probe.batches.length === 0 && Date.now() < deadline) await sleep(20);
    expect(probe.batches.map((batch) => [...batch].sort())).toEqual([['x', 'y', 'z']]);
    await t.container.worker.stop(100);
    expect((await states(ids)).map((job) => [job.state, job.attempts, job.lockedBy])).toEqual(ids.map(() => ['queued', 0, null]));
  });

  it('enqueues many jobs in one statement, skipping keys that already have a live job', async () => {
    const probe = batchJob({ size: 10 });
    await start(probe.definition);
    const { db } = t.database;
    await t.container.queue.enqueue(db, 'test.batch', { value: 'first' }, { dedupeKey: 'k1' });
    await t.container.queue.enqueueMany(db, 'test.batch', [
      { payload: { value: 'again' }, dedupeKey: 'k1' },
      { payload: { value: 'second' }, dedupeKey: 'k2' },
      { payload: { value: 'plain' } },
    ]);
    await expect(t.container.queue.enqueueMany(db, 'test.batch', [{ payload: { value: 42 } }])).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await t.container.worker.pollOnce();
    await t.container.worker.drain();
    expect(probe.batches.flat().sort()).toEqual(['first', 'plain', 'second']);
  });
});
