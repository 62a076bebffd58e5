import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { PoolStats } from '../db/client.js';

export type QueueDepth = { name: string; queued: number; running: number; dead: number }[];

export type Metrics = ReturnType<typeof createMetrics>;

/** One registry per container, so several apps in one test process never share counters. */
export const createMetrics = (sources: { poolStats: () => PoolStats; queueDepth: () => Promise<QueueDepth> }) => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_', eventLoopMonitoringPrecision: 10 });

  const httpDuration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP request latency by route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const jobsProcessed = new Counter({
    name: 'switchboard_jobs_processed_total',
    help: 'Jobs that completed successfully',
    labelNames: ['name'] as const,
    registers: [registry],
  });
  const jobsFailed = new Counter({
    name: 'switchboard_jobs_failed_total',
    help: 'Job attempts that threw (retried or dead)',
    labelNames: ['name', 'outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'switchboard_jobs_queue_depth',
    help: 'Jobs by name and state (queued includes delayed)',
    labelNames: ['name', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await sources.queueDepth()) {
        this.set({ name: row.name, state: 'queued' }, row.queued);
        this.set({ name: row.name, state: 'running' }, row.running);
        this.set({ name: row.name, state: 'dead' }, row.dead);
      }
    },
  });
  new Gauge({
    name: 'switchboard_db_pool_connections',
    help: 'Database pool connections by state (embedded PGlite reports its single connection)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const stats = sources.poolStats();
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });

  return { registry, httpDuration, jobsProcessed, jobsFailed };
};
