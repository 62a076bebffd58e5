import { statfs } from 'node:fs/promises';

import type { Redis } from 'ioredis';

import type { Database } from '../../db/client.js';
import { pendingMigrations } from '../../db/migrate.js';
import type { Queue } from '../../jobs/queue.js';

export type Check = { ok: boolean; detail?: string; latencyMs?: number };

const timed = async (probe: () => Promise<unknown>): Promise<Check> => {
  const started = performance.now();
  try {
    await probe();
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (error) {
    return { ok: false, detail: (error as Error).message };
  }
};

export const createHealthService = (deps: {
  database: Database;
  queue: Queue;
  dataDir: string;
  isWorkerEnabled: boolean;
  isWorkerRunning: () => boolean;
  redis?: Redis;
}) => {
  const { database } = deps;
  return {
    readiness: async () => {
      const db = await timed(database.ping);
      const pending = db.ok ? await pendingMigrations(database) : [];
      const migrations: Check = db.ok && pending.length === 0 ? { ok: true } : { ok: false, detail: pending.length ? `pending: ${pending.join(', ')}` : 'database unreachable' };
      const worker: Check = !deps.isWorkerEnabled
        ? { ok: true, detail: 'disabled in RUN_MODES' }
        : deps.isWorkerRunning()
          ? { ok: true }
          : { ok: false, detail: 'worker not running' };
      return { ready: db.ok && migrations.ok && worker.ok, db: database.kind, checks: { database: db, migrations, worker } };
    },

    deep: async () => {
      const db = await timed(database.ping);
      const depth = db.ok ? await deps.queue.depth(database.db) : [];
      const oldest = depth.map((row) => row.oldest).filter((value) => value !== null).map((value) => new Date(value!).getTime());
      const redis = deps.redis ? await timed(() => deps.redis!.ping()) : undefined;
      const disk = await statfs(deps.dataDir)
        .then((stats) => ({ ok: true, freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize }))
        .catch((error: Error) => ({ ok: false, detail: error.message }));
      return {
        ok: db.ok && (redis?.ok ?? true) && disk.ok,
        db: { kind: database.kind, ...db, pool: database.poolStats() },
        queue: {
          queued: depth.reduce((sum, row) => sum + row.queued, 0),
          running: depth.reduce((sum, row) => sum + row.running, 0),
          dead: depth.reduce((sum, row) => sum + row.dead, 0),
          oldestQueuedAgeSeconds: oldest.length ? Math.max(0, Math.round((Date.now() - Math.min(...oldest)) / 1000)) : 0,
          byName: depth.map(({ name, queued, running, dead }) => ({ name, queued, running, dead })),
        },
        redis: redis ?? { ok: true, detail: 'not configured' },
        disk,
        memory: { rssBytes: process.memoryUsage().rss },
        uptimeSeconds: Math.round(process.uptime()),
      };
    },
  };
};

export type HealthService = ReturnType<typeof createHealthService>;
