import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';

import { queryRows, type Executor } from '../db/client.js';
import { nullableTextArray, nullableUuidArray, textArray, uuidArray } from '../db/sql-arrays.js';
import { jobs } from '../db/schema.js';
import { AppError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.js';
import type { JobRegistry } from './registry.js';

export const DEFAULT_MAX_ATTEMPTS = 5;

export type EnqueueOptions = {
  /** Run no earlier than this; defaults to now. */
  runAt?: Date;
  /** While a job with this key for the same job name is queued or running, enqueueing again returns that job. */
  dedupeKey?: string;
  maxAttempts?: number;
};

export type JobRow = typeof jobs.$inferSelect;

type ClaimedRow = { id: string; name: string; payload: unknown; attempts: number; max_attempts: number };

export type Queue = ReturnType<typeof createQueue>;

const claimWhere = (db: Executor, workerId: string, leaseMs: number, condition: SQL, limit: number) =>
  queryRows<ClaimedRow>(db, sql`
    UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ${workerId},
      locked_until = now() + make_interval(secs => ${leaseMs / 1000}), updated_at = now()
    WHERE id IN (
      SELECT id FROM jobs
      WHERE state = 'queued' AND run_at <= now() AND ${condition}
      ORDER BY run_at, id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, name, payload, attempts, max_attempts`);

/**
 * Jobs live in PostgreSQL so that enqueueing joins the caller's transaction (a rolled-back write fires nothing) and
 * the same code runs on PGlite and on a server. Every statement is a single UPDATE/INSERT, atomic on both.
 */
export const createQueue = (deps: { registry: JobRegistry; leaseMs: number }) => ({
  /** Pass the transaction of the write that causes the job. Returns the job id (the existing one on dedupe). */
  enqueue: async (db: Executor, name: string, payload: unknown, options: EnqueueOptions = {}): Promise<string> => {
    const definition = deps.registry.get(name);
    if (!definition) throw new Error(`unknown job ${name}`);
    const parsed = definition.payload.safeParse(payload);
    if (!parsed.success) throw new AppError('VALIDATION_ERROR', `invalid payload for job ${name}`, parsed.error.issues);
    const tenantId = (parsed.data as { tenantId?: unknown }).tenantId;
    const row = {
      id: newId(),
      name,
      tenantId: typeof tenantId === 'string' ? tenantId : null,
      payload: parsed.data,
      runAt: options.runAt ?? new Date(),
      maxAttempts: options.maxAttempts ?? definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      dedupeKey: options.dedupeKey ?? null,
    };
    if (!options.dedupeKey) {
      await db.insert(jobs).values(row);
      return row.id;
    }
    const inserted = await db
      .insert(jobs)
      .values(row)
      .onConflictDoNothing({
        target: [jobs.name, jobs.dedupeKey],
        where: sql`dedupe_key IS NOT NULL AND state IN ('queued', 'running')`,
      })
      .returning({ id: jobs.id });
    if (inserted[0]) return inserted[0].id;
    const existing = await db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.name, name), eq(jobs.dedupeKey, options.dedupeKey), sql`${jobs.state} IN ('queued', 'running')`));
    // The live job finished between the two statements: its key is free again.
    return existing[0]?.id ?? (await db.insert(jobs).values(row).returning({ id: jobs.id }))[0]!.id;
  },

  /**
   * Many jobs of one name in one INSERT (same transaction rules as `enqueue`). An item whose dedupe key already has a
   * live job is skipped; nothing is returned, callers that need ids use `enqueue`.
   */
  enqueueMany: async (db: Executor, name: string, items: { payload: unknown; dedupeKey?: string }[], options: Omit<EnqueueOptions, 'dedupeKey'> = {}): Promise<void> => {
    const definition = deps.registry.get(name);
    if (!definition) throw new Error(`unknown job ${name}`);
    if (items.length === 0) return;
    const rows = items.map((item) => {
      const parsed = definition.payload.safeParse(item.payload);
      if (!parsed.success) throw new AppError('VALIDATION_ERROR', `invalid payload for job ${name}`, parsed.error.issues);
      const tenantId = (parsed.data as { tenantId?: unknown }).tenantId;
      return { id: newId(), tenantId: typeof tenantId === 'string' ? tenantId : null, payload: JSON.stringify(parsed.data), dedupeKey: item.dedupeKey ?? null };
    });
    const runAt = (options.runAt ?? new Date()).toISOString();
    const maxAttempts = options.maxAttempts ?? definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    // One array per column: a single statement whatever the count, with four parameters instead of four per row.
    await db.execute(sql`
      INSERT INTO jobs (id, name, tenant_id, payload, run_at, max_attempts, dedupe_key)
      SELECT u.id, ${name}, u.tenant_id, u.payload::jsonb, ${runAt}::timestamptz, ${maxAttempts}, u.dedupe_key
      FROM unnest(${uuidArray(rows.map((row) => row.id))}, ${nullableUuidArray(rows.map((row) => row.tenantId))},
        ${textArray(rows.map((row) => row.payload))}, ${nullableTextArray(rows.map((row) => row.dedupeKey))}) AS u(id, tenant_id, payload, dedupe_key)
      ON CONFLICT (name, dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING`);
  },

  /**
   * Leases up to `limit` runnable jobs to `workerId`; SKIP LOCKED lets many workers claim without blocking. A job
   * whose definition runs in batches brings up to `batch.size - 1` more queued jobs of its name with it (one more
   * statement per such name), which the worker runs together in the same slot.
   */
  claim: async (db: Executor, workerId: string, limit: number): Promise<ClaimedRow[]> => {
    const names = [...deps.registry.keys()];
    if (names.length === 0 || limit <= 0) return [];
    const claimed = await claimWhere(db, workerId, deps.leaseMs, sql`name IN (${sql.join(names.map((n) => sql`${n}`), sql`, `)})`, limit);
    const seeds = new Map<string, number>();
    for (const job of claimed) if (deps.registry.get(job.name)?.batch) seeds.set(job.name, (seeds.get(job.name) ?? 0) + 1);
    for (const [name, count] of seeds) {
      const more = count * deps.registry.get(name)!.batch!.size - count;
      if (more > 0) claimed.push(...(await claimWhere(db, workerId, deps.leaseMs, sql`name = ${name}`, more)));
    }
    return claimed;
  },

  /** Keeps a long job's lease alive; false means the lease was lost (another worker may have the job now). */
  heartbeat: async (db: Executor, id: string | string[], workerId: string): Promise<boolean> => {
    const updated = await db
      .update(jobs)
      .set({ lockedUntil: sql`now() + make_interval(secs => ${deps.leaseMs / 1000})` })
      .where(and(Array.isArray(id) ? inArray(jobs.id, id) : eq(jobs.id, id), eq(jobs.lockedBy, workerId), eq(jobs.state, 'running')))
      .returning({ id: jobs.id });
    return updated.length > 0;
  },

  complete: async (db: Executor, id: string, workerId: string): Promise<void> => {
    await db
      .update(jobs)
      .set({ state: 'completed', completedAt: sql`now()`, lockedUntil: null, updatedAt: sql`now()` })
      .where(and(eq(jobs.id, id), eq(jobs.lockedBy, workerId), eq(jobs.state, 'running')));
  },

  /** Acknowledges a whole batch in one statement. */
  completeMany: async (db: Executor, ids: string[], workerId: string): Promise<void> => {
    if (ids.length === 0) return;
    await db.execute(sql`
      UPDATE jobs SET state = 'completed', completed_at = now(), locked_until = NULL, updated_at = now()
      WHERE id = ANY(${uuidArray(ids)}) AND locked_by = ${workerId} AND state = 'running'`);
  },

  /** Schedules a retry with backoff, or moves the job to `dead` when it has no attempts left. */
  fail: async (
    db: Executor,
    job: ClaimedRow,
    workerId: string,
    error: string,
    options: { retryable: boolean },
  ): Promise<'retry' | 'dead'> => {
    const isDead = !options.retryable || job.attempts >= job.max_attempts;
    const delayMs = backoffDelayMs(job.attempts, deps.registry.get(job.name)?.backoff ?? DEFAULT_BACKOFF);
    await db
      .update(jobs)
      .set({
        state: isDead ? 'dead' : 'queued',
        lastError: error.slice(0, 4000),
        lockedUntil: null,
        lockedBy: null,
        runAt: isDead ? undefined : sql`now() + make_interval(secs => ${delayMs / 1000})`,
        updatedAt: sql`now()`,
      })
      .where(and(eq(jobs.id, job.id), eq(jobs.lockedBy, workerId), eq(jobs.state, 'running')));
    return isDead ? 'dead' : 'retry';
  },

  /** Hands unfinished jobs back at shutdown without charging them an attempt. */
  release: async (db: Executor, ids: string[], workerId: string): Promise<void> => {
    if (ids.length === 0) return;
    await db.execute(sql`
      UPDATE jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), locked_until = NULL, locked_by = NULL,
        updated_at = now()
      WHERE state = 'running' AND locked_by = ${workerId} AND id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`);
  },

  /** Jobs whose worker died (kill -9) or stalled past its lease go back to the queue, or to dead if out of attempts. */
  recoverExpired: async (db: Executor): Promise<number> => {
    const recovered = await queryRows<{ id: string }>(db, sql`
      UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
        last_error = 'lease expired: the worker died or stalled', locked_until = NULL, locked_by = NULL,
        run_at = now(), updated_at = now()
      WHERE state = 'running' AND locked_until < now()
      RETURNING id`);
    return recovered.length;
  },

  depth: (db: Executor) =>
    queryRows<{ name: string; queued: number; running: number; dead: number; oldest: string | Date | null }>(db, sql`
      SELECT name,
        count(*) FILTER (WHERE state = 'queued')::int AS queued,
        count(*) FILTER (WHERE state = 'running')::int AS running,
        count(*) FILTER (WHERE state = 'dead')::int AS dead,
        min(run_at) FILTER (WHERE state = 'queued' AND run_at <= now()) AS oldest
      FROM jobs WHERE state IN ('queued', 'running', 'dead') GROUP BY name ORDER BY name`),

  /** Completed jobs are kept for inspection, then pruned so the claim indexes stay small. Dead jobs stay. */
  pruneCompleted: async (db: Executor, olderThanDays: number): Promise<number> =>
    (
      await queryRows<{ id: string }>(db, sql`
        DELETE FROM jobs WHERE state = 'completed' AND completed_at < now() - make_interval(days => ${olderThanDays})
        RETURNING id`)
    ).length,

  get: async (db: Executor, id: string): Promise<JobRow | undefined> =>
    (await db.select().from(jobs).where(eq(jobs.id, id)))[0],
});
