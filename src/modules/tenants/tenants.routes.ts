import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { envelope, withErrors, zEnvelope, ZErrorEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import { ZTenant, ZUpdateTenantBody } from './tenants.schemas.js';
import type { TenantsService } from './tenants.service.js';

const tags = ['tenant'];

/** The calling credential's own tenant: no id anywhere in the request. */
export const tenantRoutes =
  (service: TenantsService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/tenant', {
      schema: { operationId: 'getTenant', tags, summary: 'Get your tenant with its settings and security policy', response: withErrors({ 200: zEnvelope(ZTenant) }) },
      config: { permission: 'tenant:read' },
    }, async (req) => envelope(req, await service.getOwn(tenantCtx(req))));

    app.put('/tenant', {
      schema: {
        operationId: 'updateTenant',
        tags,
        summary: 'Update your tenant: name, settings, security (fields not sent keep their value)',
        body: ZUpdateTenantBody,
        response: withErrors({ 200: zEnvelope(ZTenant), 422: ZErrorEnvelope }),
      },
      config: { permission: 'tenant:update' },
    }, async (req) => envelope(req, await service.updateOwn(tenantCtx(req), req.body)));
  };
