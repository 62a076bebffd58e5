import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';

import type { Config } from '../../config/env.js';
import { AppError } from '../../lib/errors.js';

const RETRY_AFTER_SECONDS = 5;

export const registerSecurity = async (app: FastifyInstance, config: Config) => {
  // JSON APIs need no resources at all; /docs sets its own policy (see openapi.ts).
  await app.register(helmet, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  await app.register(cors, {
    origin: config.corsOrigins.includes('*') ? true : [...config.corsOrigins],
    credentials: !config.corsOrigins.includes('*'),
    exposedHeaders: ['x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'],
  });
  await app.register(underPressure, {
    maxEventLoopDelay: config.maxEventLoopDelayMs,
    retryAfter: RETRY_AFTER_SECONDS,
    pressureHandler: (_req, reply, type, value) => {
      reply.header('retry-after', RETRY_AFTER_SECONDS);
      throw new AppError('SERVICE_UNAVAILABLE', `Server under pressure (${type}: ${value}); retry shortly`);
    },
  });
};
