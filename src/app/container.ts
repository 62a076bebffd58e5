import { readFileSync } from 'node:fs';

import { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { hasMode, type Config } from '../config/env.js';
import type { Database } from '../db/client.js';
import { createMaintenanceJobs } from '../jobs/maintenance.jobs.js';
import { createQueue } from '../jobs/queue.js';
import { createJobRegistry, type AnyJobDefinition, type ScheduleDefinition } from '../jobs/registry.js';
import { createScheduler } from '../jobs/scheduler.js';
import { createWorker } from '../jobs/worker.js';
import { createApiKeysService } from '../modules/api-keys/api-keys.service.js';
import { createHealthService } from '../modules/health/health.service.js';
import { createLabelsService } from '../modules/labels/labels.service.js';
import { createTenantsService } from '../modules/tenants/tenants.service.js';
import { createMetrics } from './metrics.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export type ContainerOptions = {
  config: Config;
  database: Database;
  logger: Logger;
  /** Extra job definitions and schedules (the test harness registers probe jobs this way). */
  jobs?: AnyJobDefinition[];
  schedules?: ScheduleDefinition[];
};

export type Container = Awaited<ReturnType<typeof createContainer>>;

/** The composition root: chooses implementations from config and wires modules. No logic lives here. */
export const createContainer = async (options: ContainerOptions) => {
  const { config, database, logger } = options;
  const db = database.db;
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true }) : undefined;
  if (redis) await redis.connect();

  // The queue validates against the registry, and the prune job needs the queue: a thunk breaks the cycle.
  const maintenance = createMaintenanceJobs({ db, queue: () => queue });
  const registry = createJobRegistry([...maintenance.jobs, ...(options.jobs ?? [])]);
  const queue = createQueue({ registry, leaseMs: config.worker.leaseMs });
  const metrics = createMetrics({ poolStats: database.poolStats, queueDepth: () => queue.depth(db) });
  const scheduler = createScheduler({ db, queue, schedules: [...maintenance.schedules, ...(options.schedules ?? [])] });
  const worker = createWorker({ db, queue, registry, scheduler, metrics, logger, options: config.worker });

  const modules = {
    tenants: createTenantsService({ db }),
    apiKeys: createApiKeysService({ db }),
    labels: createLabelsService({ db }),
    health: createHealthService({
      database,
      queue,
      dataDir: config.dataDir,
      isWorkerEnabled: hasMode(config, 'worker'),
      isWorkerRunning: worker.isRunning,
      redis,
    }),
  };

  return {
    version: VERSION,
    config,
    database,
    logger,
    redis,
    metrics,
    queue,
    scheduler,
    worker,
    modules,
    /** Stops the worker (waiting for in-flight jobs), then closes connections. The database is the caller's. */
    close: async () => {
      await worker.stop(config.shutdownTimeoutMs);
      redis?.disconnect();
    },
  };
};
