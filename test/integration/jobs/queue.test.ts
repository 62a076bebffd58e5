import { setTimeout as sleep } from 'node:timers/promises';

import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { withTx } from '../../../src/db/tx.js';
import { defineJob, type JobRun } from '../../../src/jobs/registry.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';

const ZProbe = z.object({ tenantId: z.uuid().optional(), value: z.string() });
type Probe = z.infer<typeof ZProbe>;

/** A job whose behaviour each test scripts, recording every run. */
const probeJob = (behaviour: (payload: Probe, run: JobRun) => Promise<void> = async () => {}, options: { maxAttempts?: number } = {}) => {
  const runs: { payload: Probe; run: JobRun; at: number }[] = [];
  const definition = defineJob({
    name: 'test.probe',
    payload: ZProbe,
    maxAttempts: options.maxAttempts,
    backoff: { baseMs: 100, maxMs: 1000 },
    handler: async (payload, run) => {
      runs.push({ payload, run, at: Date.now() });
      await behaviour(payload, run);
    },
  });
  return { definition, runs };
};

const waitFor = async (condition: () => Promise<boolean> | boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
};

describe('job queue', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  const start = async (definition: ReturnType<typeof probeJob>['definition'], env: Record<string, string> = {}) => {
    t = await createTestApp({ jobs: [definition], env: { JOB_LEASE_MS: '300', ...env } });
    return t;
  };
  const job = (id: string) => t.container.queue.get(t.database.db, id);

  it('runs a job enqueued in a committed transaction and never one from a rolled-back transaction', async () => {
    const probe = probeJob();
    await start(probe.definition);
    const { db } = t.database;
    const committed = await withTx(db, (tx) => t.container.queue.enqueue(tx, 'test.probe', { value: 'kept' }));
    let rolledBack = '';
    await expect(
      withTx(db, async (tx) => {
        rolledBack = await t.container.queue.enqueue(tx, 'test.probe', { value: 'discarded' });
        throw new Error('write failed');
      }),
    ).rejects.toThrow('write failed');

    await t.container.worker.start();
    await waitFor(async () => (await job(committed))?.state === 'completed');
    await sleep(100);
    expect(probe.runs.map((entry) => entry.payload.value)).toEqual(['kept']);
    expect(await job(rolledBack)).toBeUndefined();
  });

  it('rebuilds a tenant context from the payload', async () => {
    const probe = probeJob();
    await start(probe.definition);
    const tenantId = '0190a0a0-0000-7000-8000-000000000001';
    const id = await t.container.queue.enqueue(t.database.db, 'test.probe', { tenantId, value: 'x' });
    await t.container.worker.pollOnce();
    await t.container.worker.drain();
    expect(probe.runs[0]?.run.ctx?.tenantId).toBe(tenantId);
    expect((await job(id))?.tenantId).toBe(tenantId);
  });

  it('retries with growing, jittered backoff and ends in dead with the last error', async () => {
    const probe = probeJob(async (_payload, run) => {
      throw new Error(`boom ${run.attempt}`);
    }, { maxAttempts: 3 });
    await start(probe.definition);
    const id = await t.container.queue.enqueue(t.database.db, 'test.probe', { value: 'x' });
    await t.container.worker.start();
    await waitFor(async () => (await job(id))?.state === 'dead');
    const final = await job(id);
    expect(final).toMatchObject({ state: 'dead', attempts: 3, lastError: 'boom 3' });
    const [first, second, third] = probe.runs.map((entry) => entry.at);
    // Attempt 1 waits 50-100 ms, attempt 2 waits 100-200 ms (plus polling).
    expect(second! - first!).toBeGreaterThanOrEqual(45);
    expect(third! - second!).toBeGreaterThanOrEqual(95);
    const metrics = await (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/switchboard_jobs_failed_total\{name="test.probe",outcome="retry"\} 2/);
    expect(metrics).toMatch(/switchboard_jobs_failed_total\{name="test.probe",outcome="dead"\} 1/);
  });

  it('re-runs a job whose worker died mid-run once its lease expires', async () => {
    const probe = probeJob();
    await start(probe.definition);
    const id = await t.container.queue.enqueue(t.database.db, 'test.probe', { value: 'x' });
    // A worker that claims and then vanishes without completing or failing.
    const [claimed] = await t.container.queue.claim(t.database.db, 'ghost-worker', 1);
    expect(claimed?.id).toBe(id);
    await t.container.worker.pollOnce();
    expect(probe.runs).toHaveLength(0); // still leased to the ghost
    await sleep(400);
    await t.container.worker.pollOnce(); // recovers the expired lease
    await t.container.worker.pollOnce(); // claims it again
    await t.container.worker.drain();
    expect(probe.runs).toHaveLength(1);
    expect(await job(id)).toMatchObject({ state: 'completed', attempts: 2 });
  });

  it('keeps the lease of a long job alive with heartbeats', async () => {
    const probe = probeJob(() => sleep(900));
    await start(probe.definition);
    const id = await t.container.queue.enqueue(t.database.db, 'test.probe', { value: 'slow' });
    await t.container.worker.pollOnce();
    await sleep(500);
    expect(await t.container.queue.recoverExpired(t.database.db)).toBe(0);
    await t.container.worker.drain();
    expect(await job(id)).toMatchObject({ state: 'completed', attempts: 1 });
  });

  it('deduplicates live jobs by key and frees the key when the job finishes', async () => {
    const probe = probeJob();
    await start(probe.definition);
    const { db } = t.database;
    const first = await t.container.queue.enqueue(db, 'test.probe', { value: 'a' }, { dedupeKey: 'doc-1' });
    const again = await t.container.queue.enqueue(db, 'test.probe', { value: 'b' }, { dedupeKey: 'doc-1' });
    expect(again).toBe(first);
    await t.container.worker.pollOnce();
    await t.container.worker.drain();
    const later = await t.container.queue.enqueue(db, 'test.probe', { value: 'c' }, { dedupeKey: 'doc-1' });
    expect(later).not.toBe(first);
  });

  it('holds a delayed job until its run_at', async () => {
    const probe = probeJob();
    await start(probe.definition);
    await t.container.queue.enqueue(t.database.db, 'test.probe', { value: 'later' }, { runAt: new Date(Date.now() + 400) });
    await t.container.worker.pollOnce();
    expect(probe.runs).toHaveLength(0);
    await sleep(450);
    await t.container.worker.pollOnce();
    await t.container.worker.drain();
    expect(probe.runs).toHaveLength(1);
  });

  it('rejects an invalid payload at enqueue', async () => {
    await start(probeJob().definition);
    await expect(t.container.queue.enqueue(t.database.db, 'test.probe', { value: 42 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('waits for in-flight jobs on stop, and releases them uncharged when the wait times out', async () => {
    const probe = probeJob(() => sleep(300));
    await start(probe.definition);
    const finished = await t.container.queue.enqueue(t.database.db, 'test.probe', { value: 'finishes' });
    await t.container.worker.start();
    await waitFor(() => probe.runs.length === 1);
    await t.container.worker.stop(5000);
    expect(await job(finished)).toMatchObject({ state: 'completed' });

    const stuck = probeJob(() => sleep(5000));
    await t.close();
    await start(stuck.definition);
    const released = await t.container.queue.enqueue(t.database.db, 'test.probe', { value: 'stuck' });
    await t.container.worker.start();
    await waitFor(() => stuck.runs.length === 1);
    await t.container.worker.stop(100);
    expect(stuck.runs[0]?.run.signal.aborted).toBe(true);
    expect(await job(released)).toMatchObject({ state: 'queued', attempts: 0, lockedBy: null });
  });
});

describe('cron schedules', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  it('fires each due tick once even when two schedulers race', async () => {
    const probe = probeJob();
    t = await createTestApp({ jobs: [probe.definition], schedules: [{ name: 'probe.every-second', cron: '* * * * * *', job: 'test.probe', payload: { value: 'tick' } }] });
    const { scheduler } = t.container;
    await scheduler.sync();
    await sleep(1100);
    const fired = await Promise.all([scheduler.tick(), scheduler.tick()]);
    expect(fired.reduce((sum, count) => sum + count, 0)).toBe(1);
    const depth = await t.container.queue.depth(t.database.db);
    expect(depth.find((row) => row.name === 'test.probe')?.queued).toBe(1);
  });
});
