import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';

import { agentsRoutes } from '../modules/agents/agents.routes.js';
import { aiProvidersRoutes } from '../modules/ai-providers/ai-providers.routes.js';
import { apiKeysRoutes } from '../modules/api-keys/api-keys.routes.js';
import { auditRoutes } from '../modules/audit/audit.routes.js';
import { chatRoutes } from '../modules/chat/chat.routes.js';
import { authRoutes, jwksRoutes } from '../modules/auth/auth.routes.js';
import { conversationsRoutes } from '../modules/conversations/conversations.routes.js';
import { crawlerRoutes } from '../modules/crawler/crawler.routes.js';
import { gdprRoutes } from '../modules/gdpr/gdpr.routes.js';
import { healthRoutes } from '../modules/health/health.routes.js';
import { knowledgeRoutes } from '../modules/knowledge/knowledge.routes.js';
import { labelsRoutes } from '../modules/labels/labels.routes.js';
import { openAiCompatRoutes } from '../modules/openai-compat/openai-compat.routes.js';
import { createSocketAuthenticator } from '../modules/realtime/realtime.auth.js';
import { realtimeRoutes } from '../modules/realtime/realtime.routes.js';
import { rbacRoutes } from '../modules/rbac/rbac.routes.js';
import { teamRoutes } from '../modules/team/team.routes.js';
import { retrievalRoutes } from '../modules/retrieval/retrieval.routes.js';
import { systemRoutes, type RouteInfo } from '../modules/system/system.routes.js';
import { tenantsAdminRoutes } from '../modules/tenants/tenants-admin.routes.js';
import { tenantRoutes } from '../modules/tenants/tenants.routes.js';
import { usersRoutes } from '../modules/users/users.routes.js';
import type { Container } from './container.js';
import { registerAuth } from './plugins/auth.js';
import { registerErrorHandler, renderFrameworkError } from './plugins/error-handler.js';
import { registerGracefulClose } from './plugins/graceful-close.js';
import { registerMetrics } from './plugins/metrics.js';
import { registerOpenApi } from './plugins/openapi.js';
import { registerPlatformAdmin } from './plugins/platform-admin.js';
import { registerRateLimit } from './plugins/rate-limit.js';
import { registerRejectNul } from './plugins/reject-nul.js';
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
    // Errors the router raises before any route (an undecodable or overlong path segment) get the same envelope.
    frameworkErrors: renderFrameworkError,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // One line per request, after it is answered; probes only at debug so they do not drown the log.
  app.addHook('onResponse', async (req, reply) => {
    const level = QUIET_ROUTES.has(req.routeOptions.url ?? '') ? 'debug' : 'info';
    // Routes whose URL carries a one-time secret (e-mail links, OAuth codes) log their template, never the values.
    const url = req.routeOptions.config.isSecretInUrl ? req.routeOptions.url : req.url;
    req.log[level]({ method: req.method, url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
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
  registerRejectNul(app);
  registerGracefulClose(app);
  registerMetrics(app, container.metrics);
  await registerSecurity(app, config);
  // API keys and user access tokens (src/modules/auth/authenticator.ts).
  const authenticate = container.auth.authenticate;
  registerAuth(app, authenticate);
  // Authentication also checks suspension and the IP allow-list (plugins/tenant-access.ts); /admin needs a platform admin.
  registerPlatformAdmin(app, { authenticate, isPlatformAdmin: modules.tenantsAdmin.isPlatformAdmin });
  await registerRateLimit(app, config, container.redis);
  await registerOpenApi(app, config, container.version);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  await app.register(healthRoutes(modules.health, container.metrics, container.version));
  await app.register(jwksRoutes(container.auth.service));
  // OpenAI's paths, so that any OpenAI SDK or tool works with base URL <host>/v1.
  await app.register(openAiCompatRoutes(modules.openAiCompat), { prefix: '/v1' });
  await app.register(
    async (api) => {
      await api.register(systemRoutes(routes));
      await api.register(labelsRoutes(modules.labels));
      await api.register(authRoutes(container.auth.service, container.auth.social));
      await api.register(rbacRoutes(modules.rbac));
      await api.register(apiKeysRoutes(modules.apiKeys));
      await api.register(usersRoutes(modules.users));
      await api.register(teamRoutes(modules.team));
      await api.register(knowledgeRoutes(modules.knowledge, { uploadLimitBytes: config.uploadLimitBytes }));
      await api.register(crawlerRoutes(modules.crawler));
      await api.register(retrievalRoutes(modules.retrieval));
      await api.register(auditRoutes(modules.audit));
      await api.register(aiProvidersRoutes(modules.aiProviders));
      await api.register(agentsRoutes(modules.agents));
      await api.register(chatRoutes(modules.chat));
      await api.register(conversationsRoutes(modules.conversations));
      await api.register(
        realtimeRoutes({
          authenticate: createSocketAuthenticator({ authenticate }),
          chat: modules.chat,
          conversations: modules.conversations,
          config: { heartbeatMs: config.websocket.heartbeatMs, authTimeoutMs: 10_000 },
        }),
      );
      await api.register(tenantRoutes(modules.tenants));
      await api.register(tenantsAdminRoutes(modules.tenantsAdmin));
      await api.register(gdprRoutes(modules.gdpr));
    },
    { prefix: '/api/v1' },
  );
  return app;
};

export type App = Awaited<ReturnType<typeof buildApp>>;
