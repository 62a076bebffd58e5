import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';

import { healthRoutes } from '../modules/health/health.routes.js';
import { labelsRoutes } from '../modules/labels/labels.routes.js';
import { systemRoutes, type RouteInfo } from '../modules/system/system.routes.js';
import type { Container } from './container.js';
import { registerAuth } from './plugins/auth.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import { registerGracefulClose } from './plugins/graceful-close.js';
import { registerMetrics } from './plugins/metrics.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerRateLimit } from './plugins/rate-limit.js';
import { genRequestId, registerRequestContext } from './plugins/request-context.js';
import { registerSecurity } from './plugins/security.js';

const QUIET_ROUTES = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

export const buildApp = async (container: Container) => {
  const { config, modules } = container;
  const app = Fastify({
    loggerInstance: container.logger as FastifyBaseLogger,
    genReqId: genRequestId,
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // One line per request, after it is answered; probes only at debug so they do not drown the log.
  app.addHook('onResponse', async (req, reply) => {
    const level = QUIET_ROUTES.has(req.routeOptions.url ?? '') ? 'debug' : 'info';
    req.log[level]({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (route) => {
    if (route.method === 'HEAD' || route.schema?.hide || !route.schema?.operationId) return;
    for (const method of [route.method].flat()) {
      routes.push({
        method,
        url: route.url,
        operationId: route.schema.operationId as string,
        tags: (route.schema.tags as string[] | undefined) ?? [],
        summary: route.schema.summary as string | undefined,
        permission: route.config?.permission,
      });
    }
  });

  registerErrorHandler(app);
  registerRequestContext(app);
  registerGracefulClose(app);
  registerMetrics(app, container.metrics);
  await registerSecurity(app, config);
  registerAuth(app, modules.apiKeys.authenticate);
  await registerRateLimit(app, config, container.redis);
  await registerOpenApi(app, config, container.version);

  await app.register(healthRoutes(modules.health, container.metrics, container.version));
  await app.register(
    async (api) => {
      await api.register(systemRoutes(routes));
      await api.register(labelsRoutes(modules.labels));
    },
    { prefix: '/api/v1' },
  );
  return app;
};

export type App = Awaited<ReturnType<typeof buildApp>>;
