import type { FastifyInstance, FastifyRequest } from 'fastify';

import { AppError } from '../../lib/errors.js';
import type { PlatformContext } from '../context.js';
import { bearerToken, type Authenticator } from './auth.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A platform-operator route: needs a user token whose user is a platform admin; no tenant context is made. */
    platformAdmin?: boolean;
  }
  interface FastifyRequest {
    platform: PlatformContext | null;
  }
}

/**
 * Platform routes authenticate like any other (same authenticator) but authorise on `users.is_platform_admin`,
 * read on every call so that revoking it takes effect at once. API keys belong to a tenant and can never act
 * for the platform. The caller's own tenant is ignored: its suspension or IP allow-list does not lock the
 * operator out of the routes that would lift them.
 */
export const registerPlatformAdmin = (
  app: FastifyInstance,
  deps: { authenticate: Authenticator; isPlatformAdmin: (userId: string) => Promise<boolean> },
) => {
  app.decorateRequest('platform', null);

  app.addHook('onRequest', async (req) => {
    if (!req.routeOptions.config.platformAdmin) return;
    const token = bearerToken(req);
    if (!token) throw new AppError('AUTHENTICATION_FAILED', 'Missing credentials: send Authorization: Bearer <token>');
    const credential = await deps.authenticate(token);
    if (!credential) throw new AppError('AUTHENTICATION_FAILED', 'Invalid or expired credentials');
    const { actor } = credential;
    if (actor.type !== 'user' || !(await deps.isPlatformAdmin(actor.id))) {
      throw new AppError('INSUFFICIENT_PERMISSIONS', 'This route needs a platform administrator signed in with a user access token');
    }
    req.platform = { requestId: req.id, actor, isPlatformAdmin: true, ip: req.ip, userAgent: req.headers['user-agent'] };
    req.log = req.log.child({ platform_admin: actor.id });
  });
};

/** The context of a platform route; its absence is a programming error, not a client one. */
export const platformCtx = (req: FastifyRequest): PlatformContext => {
  if (!req.platform) throw new Error(`route ${req.routeOptions.url} reached a handler without a platform context`);
  return req.platform;
};
