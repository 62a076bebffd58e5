import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { RateLimitCategory } from '../../config/env.js';
import { AppError } from '../../lib/errors.js';
import { requirePermission, type TenantContext } from '../context.js';

export type ResolvedCredential = {
  tenantId: string;
  tenantStatus: 'active' | 'suspended';
  actor: TenantContext['actor'];
  permissions: ReadonlySet<string>;
};

/** Turns a bearer credential into who is calling; undefined means the credential is not valid. */
export type Authenticator = (token: string) => Promise<ResolvedCredential | undefined>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The `resource:action` a caller needs. Every /api route must name one or be explicitly public. */
    permission?: string;
    public?: boolean;
    rateLimitCategory?: RateLimitCategory;
  }
  interface FastifyRequest {
    ctx: TenantContext | null;
  }
}

const bearerToken = (req: FastifyRequest): string | undefined => {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new AppError('AUTHENTICATION_FAILED', 'Authorization header must be "Bearer <token>"');
  return match[1];
};

export const registerAuth = (app: FastifyInstance, authenticate: Authenticator) => {
  app.decorateRequest('ctx', null);

  // Denied by default: a route that forgets to declare its permission fails at start-up, not in production.
  app.addHook('onRoute', (route) => {
    const config = route.config ?? {};
    if (route.url.startsWith('/api/') && !config.public && !config.permission) {
      throw new Error(`route ${route.method} ${route.url} declares neither a permission nor public: true`);
    }
  });

  app.addHook('onRequest', async (req) => {
    const { permission } = req.routeOptions.config;
    if (!permission) return;
    const token = bearerToken(req);
    if (!token) throw new AppError('AUTHENTICATION_FAILED', 'Missing credentials: send Authorization: Bearer <token>');
    const credential = await authenticate(token);
    if (!credential) throw new AppError('AUTHENTICATION_FAILED', 'Invalid or expired credentials');
    if (credential.tenantStatus === 'suspended') throw new AppError('TENANT_SUSPENDED', 'This tenant is suspended');
    req.ctx = {
      requestId: req.id,
      tenantId: credential.tenantId,
      actor: credential.actor,
      permissions: credential.permissions,
    };
    req.log = req.log.child({ tenant_id: credential.tenantId });
    requirePermission(req.ctx, permission);
  });
};

/** The context of an authenticated route; its absence is a programming error, not a client one. */
export const tenantCtx = (req: FastifyRequest): TenantContext => {
  if (!req.ctx) throw new Error(`route ${req.routeOptions.url} reached a handler without a tenant context`);
  return req.ctx;
};
