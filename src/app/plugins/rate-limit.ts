import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';

import type { Config, RateLimitCategory } from '../../config/env.js';
import { AppError } from '../../lib/errors.js';

const categoryOf = (req: FastifyRequest): RateLimitCategory => req.routeOptions.config.rateLimitCategory ?? 'general';

/** Authenticated callers get their own bucket; everyone else shares one per IP. Auth routes always key by IP. */
const identityOf = (req: FastifyRequest): string => {
  if (categoryOf(req) !== 'auth' && req.ctx) return `${req.ctx.actor.type}:${req.ctx.actor.id}`;
  return `ip:${req.ip}`;
};

/**
 * One shared store with the category in the key: @fastify/rate-limit gives routes with their own settings a store
 * each, which would split a category across its routes.
 */
export const registerRateLimit = async (app: FastifyInstance, config: Config, redis?: Redis) => {
  if (!config.rateLimit.enabled) return;
  const windowSeconds = Math.ceil(config.rateLimit.windowMs / 1000);
  await app.register(rateLimit, {
    global: true,
    hook: 'preValidation',
    timeWindow: config.rateLimit.windowMs,
    max: (req) => config.rateLimit.max[categoryOf(req)],
    keyGenerator: (req) => `${categoryOf(req)}|${identityOf(req)}`,
    nameSpace: 'switchboard:ratelimit:',
    ...(redis ? { redis } : {}),
    // A broken Redis must not take the API down with it.
    skipOnError: true,
    errorResponseBuilder: (_req, context) =>
      new AppError('RATE_LIMIT_EXCEEDED', `Rate limit exceeded: ${context.max} requests per ${windowSeconds} s`, {
        limit: context.max,
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  });
  app.addHook('onSend', async (req, reply) => {
    if (req.routeOptions.config.rateLimit !== false && reply.hasHeader('x-ratelimit-limit')) {
      reply.header('x-ratelimit-window', windowSeconds);
    }
  });
};
