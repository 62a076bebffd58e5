import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { bearerToken, tenantCtx } from '../../app/plugins/auth.js';
import { platformCtx } from '../../app/plugins/platform-admin.js';
import type { AuthService } from './auth.service.js';
import {
  ZAccepted,
  ZAuthUser,
  ZForgotPasswordBody,
  ZJwks,
  ZLoginBody,
  ZPasswordStrength,
  ZRefreshBody,
  ZRegisterBody,
  ZResetPasswordBody,
  ZRevokeTokenBody,
  ZRotatedKey,
  ZSession,
  ZSocialCallbackQuery,
  ZSocialProviderParams,
  ZUpdatePasswordBody,
  ZValidatePasswordBody,
  ZVerifyEmailParams,
} from './auth.schemas.js';
import type { SocialService } from './social.service.js';

const tags = ['auth'];
const meta = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] ?? null, requestId: req.id });
/** Signed-in routes ran the auth hook, so the bearer token is there and valid. */
const accessToken = (req: FastifyRequest) => bearerToken(req) ?? '';

/** Sign-up, sign-in, sessions, e-mail verification, passwords, social sign-in and signing keys. */
export const authRoutes =
  (service: AuthService, social: SocialService): FastifyPluginAsyncZod =>
  async (app) => {
    const publicAuth = { public: true, rateLimitCategory: 'auth' as const };

    app.post('/auth/register', {
      schema: { operationId: 'register', tags, summary: 'Create a tenant and its owner account', body: ZRegisterBody, response: withErrors({ 201: zEnvelope(ZSession) }) },
      config: publicAuth,
    }, async (req, reply) => reply.status(201).send(envelope(req, await service.register(req.body, meta(req)))));

    app.post('/auth/login', {
      schema: { operationId: 'login', tags, summary: 'Sign in with e-mail and password', body: ZLoginBody, response: withErrors({ 200: zEnvelope(ZSession) }) },
      config: publicAuth,
    }, async (req) => envelope(req, await service.login(req.body, meta(req))));

    app.post('/auth/refresh', {
      schema: { operationId: 'refreshToken', tags, summary: 'Rotate a refresh token for new tokens', body: ZRefreshBody, response: withErrors({ 200: zEnvelope(ZSession) }) },
      config: publicAuth,
    }, async (req) => envelope(req, await service.refresh(req.body.refreshToken, meta(req))));

    app.post('/auth/logout', {
      schema: { operationId: 'logout', tags, summary: 'End this session (refresh family revoked, access token denied)', response: withErrors({ 204: z.null() }) },
      config: { signedIn: true },
    }, async (req, reply) => {
      await service.logout(accessToken(req));
      return reply.status(204).send(null);
    });

    app.get('/auth/me', {
      schema: { operationId: 'getMe', tags, summary: 'The signed-in user, tenant, roles and permissions', response: withErrors({ 200: zEnvelope(ZAuthUser) }) },
      config: { signedIn: true },
    }, async (req) => envelope(req, await service.me(tenantCtx(req))));

    app.post('/auth/tokens/revoke', {
      schema: { operationId: 'revokeToken', tags, summary: 'Revoke a refresh or access token (RFC 7009 style)', body: ZRevokeTokenBody, response: withErrors({ 200: zEnvelope(ZAccepted) }) },
      config: publicAuth,
    }, async (req) => {
      await service.revokeToken(req.body.token);
      return envelope(req, { message: 'If the token was valid, it is revoked' });
    });

    app.post('/auth/keys/rotate', {
      schema: { operationId: 'rotateSigningKey', tags, summary: 'Add a new token-signing key; older keys keep verifying until their tokens expire', response: withErrors({ 200: zEnvelope(ZRotatedKey) }) },
      config: { platformAdmin: true },
    }, async (req) => envelope(req, await service.rotateSigningKey(platformCtx(req))));

    app.get('/auth/email/verify/:userId/:token', {
      schema: { operationId: 'verifyEmail', tags, summary: 'Confirm an e-mail address from the mailed link', params: ZVerifyEmailParams, response: withErrors({ 200: zEnvelope(z.object({ verified: z.boolean() })) }) },
      config: { ...publicAuth, isSecretInUrl: true },
    }, async (req) => envelope(req, await service.verifyEmail(req.params.userId, req.params.token)));

    app.post('/auth/email/resend', {
      schema: { operationId: 'resendVerificationEmail', tags, summary: 'Mail a new verification link', response: withErrors({ 200: zEnvelope(ZAccepted) }) },
      config: { signedIn: true, rateLimitCategory: 'auth' },
    }, async (req) => envelope(req, await service.resendVerification(tenantCtx(req))));

    app.post('/auth/password/forgot', {
      schema: { operationId: 'forgotPassword', tags, summary: 'Mail a one-time password reset code', body: ZForgotPasswordBody, response: withErrors({ 202: zEnvelope(ZAccepted) }) },
      config: publicAuth,
    }, async (req, reply) => reply.status(202).send(envelope(req, await service.forgotPassword(req.body.email))));

    app.post('/auth/password/reset', {
      schema: { operationId: 'resetPassword', tags, summary: 'Set a new password with a reset code', body: ZResetPasswordBody, response: withErrors({ 200: zEnvelope(ZAccepted) }) },
      config: publicAuth,
    }, async (req) => envelope(req, await service.resetPassword(req.body.token, req.body.password)));

    app.put('/auth/password', {
      schema: { operationId: 'updatePassword', tags, summary: 'Change your password (other sessions are signed out)', body: ZUpdatePasswordBody, response: withErrors({ 200: zEnvelope(ZAccepted) }) },
      config: { signedIn: true, rateLimitCategory: 'auth' },
    }, async (req) => envelope(req, await service.updatePassword(tenantCtx(req), accessToken(req), req.body)));

    app.post('/auth/password/validate', {
      schema: {
        operationId: 'validatePassword',
        tags,
        summary: "Score a password against the tenant's policy (the default policy without an access token)",
        body: ZValidatePasswordBody,
        response: withErrors({ 200: zEnvelope(ZPasswordStrength) }),
      },
      config: { public: true },
    }, async (req) => envelope(req, await service.validatePassword(req.body.password, optionalBearer(req))));

    app.get('/auth/social/:provider/redirect', {
      schema: { operationId: 'socialRedirect', tags, summary: 'Start social sign-in: redirects to the provider', params: ZSocialProviderParams, response: withErrors({ 302: z.null() }) },
      config: publicAuth,
    }, async (req, reply) => reply.redirect(await social.authorizationUrl(req.params.provider), 302));

    app.get('/auth/social/:provider/callback', {
      schema: { operationId: 'socialCallback', tags, summary: 'Finish social sign-in: creates or links the account and returns tokens', params: ZSocialProviderParams, querystring: ZSocialCallbackQuery, response: withErrors({ 200: zEnvelope(ZSession) }) },
      config: { ...publicAuth, isSecretInUrl: true },
    }, async (req) => envelope(req, await social.callback(req.params.provider, req.query, meta(req))));
  };

/** A malformed Authorization header on a public route is ignored rather than refused. */
const optionalBearer = (req: FastifyRequest): string | undefined => {
  try {
    return bearerToken(req);
  } catch {
    return undefined;
  }
};

/** The public keys that verify access tokens, for resource servers and gateways (outside /api/v1 by convention). */
export const jwksRoutes =
  (service: Pick<AuthService, 'jwks'>): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/.well-known/jwks.json', {
      schema: { operationId: 'getJwks', tags, summary: 'JSON Web Key Set of the token-signing keys', response: { 200: ZJwks } },
      config: { public: true },
    }, async (_req, reply) => reply.header('cache-control', 'public, max-age=300').send(await service.jwks()));
  };
