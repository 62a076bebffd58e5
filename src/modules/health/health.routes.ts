import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { envelope, ZErrorEnvelope, zEnvelope } from '../../app/envelope.js';
import { AppError } from '../../lib/errors.js';
import type { Metrics } from '../../app/metrics.js';
import type { HealthService } from './health.service.js';

const tags = ['health'];
// Probes come from load balancers and orchestrators every few seconds: never rate-limited, never authenticated.
const config = { public: true, rateLimit: false } as const;

const ZCheck = z.object({ ok: z.boolean(), detail: z.string().optional(), latencyMs: z.number().optional() });
const ZLive = z.object({ status: z.literal('ok'), uptimeSeconds: z.number(), version: z.string() });
const ZReady = z.object({
  ready: z.boolean(),
  db: z.enum(['embedded', 'postgres']),
  checks: z.object({ database: ZCheck, migrations: ZCheck, worker: ZCheck }),
});

export const healthRoutes =
  (service: HealthService, metrics: Metrics, version: string): FastifyPluginAsyncZod =>
  async (app) => {
    const live = async (req: Parameters<typeof envelope>[0]) =>
      envelope(req, { status: 'ok' as const, uptimeSeconds: Math.round(process.uptime()), version });
    app.get('/health', { schema: { operationId: 'getHealth', tags, summary: 'Liveness', response: { 200: zEnvelope(ZLive) } }, config }, live);
    app.get('/health/live', { schema: { operationId: 'getHealthLive', tags, summary: 'Liveness', response: { 200: zEnvelope(ZLive) } }, config }, live);

    app.get('/health/ready', {
      schema: { operationId: 'getHealthReady', tags, summary: 'Readiness: database, migrations, worker', response: { 200: zEnvelope(ZReady), 503: ZErrorEnvelope } },
      config,
    }, async (req) => {
      const readiness = await service.readiness();
      if (!readiness.ready) throw new AppError('SERVICE_UNAVAILABLE', 'Not ready', readiness);
      return envelope(req, readiness);
    });

    app.get('/health/deep', {
      schema: { operationId: 'getHealthDeep', tags, summary: 'Database latency, queue depth, Redis, disk', response: { 200: zEnvelope(z.record(z.string(), z.unknown())), 503: ZErrorEnvelope } },
      config,
    }, async (req) => {
      const report = await service.deep();
      if (!report.ok) throw new AppError('SERVICE_UNAVAILABLE', 'A dependency is unhealthy', report);
      return envelope(req, report);
    });

    app.get('/metrics', {
      schema: { operationId: 'getMetrics', tags, summary: 'Prometheus metrics (text exposition format)' },
      config,
    }, async (_req, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  };
