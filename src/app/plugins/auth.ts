import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { RateLimitCategory } from '../../config/env.js';
import { AppError } from '../../lib/errors.js';
import { requirePermission, type TenantContext } from '../context.js';
import { assertTenantAccess, type TenantAccess } from './tenant-access.js';

export type ResolvedCredential = {
  tenantId: string;
  tenant: TenantAccess;
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
    /** A self-service route (the caller's own account): needs a user's access token, API keys are refused. */
    signedIn?: boolean;
    rateLimitCategory?: RateLimitCategory;
    /** The URL holds a secret (a mailed token, an OAuth code): the request log shows the route template instead. */
    isSecretInUrl?: boolean;
  }
  interface FastifyRequest {
    ctx: TenantContext | null;
  }
}

export const bearerToken = (req: FastifyRequest): string | undefined => {
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
    if (route.url.startsWith('/api/') && !config.public && !config.permission && !config.platformAdmin && !config.signedIn) {
      throw new Error(`route ${route.method} ${route.url} declares neither a permission, platformAdmin, signedIn nor public: true`);
    }
  });

  app.addHook('onRequest', async (req) => {
    const { permission, signedIn } = req.routeOptions.config;
    if (!permission && !signedIn) return;
    const token = bearerToken(req);
    if (!token) throw new AppError('AUTHENTICATION_FAILED', 'Missing credentials: send Authorization: Bearer <token>');
    const credential = await authenticate(token);
    if (!credential) throw new AppError('AUTHENTICATION_FAILED', 'Invalid or expired credentials');
    assertTenantAccess(credential.tenant, req.ip);
    req.ctx = {
      requestId: req.id,
      tenantId: credential.tenantId,
      actor: credential.actor,
      permissions: credential.permissions,
      ip: req.ip,
      userAgent: req.headers['user-agent'],
    };
    req.log = req.log.child({ tenant_id: credential.tenantId });
    if (signedIn && credential.actor.type !== 'user') {
      throw new AppError('INSUFFICIENT_PERMISSIONS', 'This route acts on your own account: sign in with a user access token');
    }
    if (permission) requirePermission(req.ctx, permission);
  });
};

/** The context of an authenticated route; its absence is a programming error, not a client one. */
export const tenantCtx = (req: FastifyRequest): TenantContext => {
  if (!req.ctx) throw new Error(`route ${req.routeOptions.url} reached a handler without a tenant context`);
  return req.ctx;
};
