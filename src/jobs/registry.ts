import type { z } from 'zod';

import type { TenantContext } from '../app/context.js';
import type { BackoffPolicy } from './backoff.js';

export type JobRun = {
  id: string;
  attempt: number;
  /** Set when the payload carries a tenantId: the worker rebuilds a system context for that tenant. */
  ctx?: TenantContext;
  /** Aborted when shutdown gives up waiting for the handler. */
  signal: AbortSignal;
};

/** One claimed job of a batch. */
export type BatchItem<P> = { payload: P; run: JobRun };

export type JobDefinition<P = unknown> = {
  name: string;
  payload: z.ZodType<P>;
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** Must be idempotent: a worker killed after the effect but before acknowledging runs it again. */
  handler: (payload: P, run: JobRun) => Promise<void>;
  /**
   * Optional: the worker claims up to `size` queued jobs of this name together and runs them in one call, so work
   * over many items costs a few multi-row statements instead of a few per item (on PGlite every statement costs
   * ~0.5-1 ms of its one database thread). All or nothing: when it throws, the worker runs each job of the batch alone
   * through `handler`, so one bad payload fails (and retries) only its own job. Idempotent like `handler`, and
   * items may belong to different tenants (each carries its own `run.ctx`).
   */
  batch?: { size: number; handler: (items: BatchItem<P>[]) => Promise<void> };
};

/** A system-wide cron schedule that enqueues `job` with `payload` at each tick. */
export type ScheduleDefinition = { name: string; cron: string; job: string; payload: unknown };

export const defineJob = <P>(definition: JobDefinition<P>): JobDefinition<P> => definition;

export type JobRegistry = ReadonlyMap<string, JobDefinition>;

// Definitions differ in payload type; the registry only hands each payload back to its own definition.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJobDefinition = JobDefinition<any>;

export const createJobRegistry = (definitions: AnyJobDefinition[]): JobRegistry => {
  const registry = new Map<string, JobDefinition>();
  for (const definition of definitions) {
    if (registry.has(definition.name)) throw new Error(`job ${definition.name} is defined twice`);
    registry.set(definition.name, definition);
  }
  return registry;
};
