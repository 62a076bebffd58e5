import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { platformCtx } from '../../app/plugins/platform-admin.js';
import { ZAdminTenant, ZAdminTenantPage, ZListTenantsQuery, ZSuspendTenantBody, ZTenantId, ZUpdateTenantBody } from './tenants.schemas.js';
import type { TenantsAdminService } from './tenants-admin.service.js';

const tags = ['platform-admin'];
const config = { platformAdmin: true } as const;

/** Platform-operator routes over every tenant; the target is the id in the path, never the caller's tenant. */
export const tenantsAdminRoutes =
  (service: TenantsAdminService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/admin/tenants', {
      schema: { operationId: 'adminListTenants', tags, summary: 'List all tenants (platform admin)', querystring: ZListTenantsQuery, response: withErrors({ 200: zEnvelope(ZAdminTenantPage) }) },
      config,
    }, async (req) => envelope(req, await service.list(platformCtx(req), req.query)));

    app.get('/admin/tenants/:id', {
      schema: { operationId: 'adminGetTenant', tags, summary: 'Get any tenant (platform admin)', params: ZTenantId, response: withErrors({ 200: zEnvelope(ZAdminTenant) }) },
      config,
    }, async (req) => envelope(req, await service.get(platformCtx(req), req.params.id)));

    app.patch('/admin/tenants/:id', {
      schema: {
        operationId: 'adminUpdateTenant',
        tags,
        summary: 'Update any tenant: name, settings, security (platform admin; can clear a lock-out allow-list)',
        params: ZTenantId,
        body: ZUpdateTenantBody,
        response: withErrors({ 200: zEnvelope(ZAdminTenant) }),
      },
      config,
    }, async (req) => envelope(req, await service.update(platformCtx(req), req.params.id, req.body)));

    app.post('/admin/tenants/:id/suspend', {
      schema: {
        operationId: 'adminSuspendTenant',
        tags,
        summary: 'Suspend a tenant: every call with its credentials gets 403 TENANT_SUSPENDED (platform admin)',
        params: ZTenantId,
        body: ZSuspendTenantBody,
        response: withErrors({ 200: zEnvelope(ZAdminTenant) }),
      },
      config,
    }, async (req) => envelope(req, await service.suspend(platformCtx(req), req.params.id, req.body?.reason)));

    app.post('/admin/tenants/:id/reactivate', {
      schema: { operationId: 'adminReactivateTenant', tags, summary: 'Reactivate a suspended tenant (platform admin)', params: ZTenantId, response: withErrors({ 200: zEnvelope(ZAdminTenant) }) },
      config,
    }, async (req) => envelope(req, await service.reactivate(platformCtx(req), req.params.id)));
  };
