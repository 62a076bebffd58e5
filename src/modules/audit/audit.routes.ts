import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import { platformCtx } from '../../app/plugins/platform-admin.js';
import { ZAuditLogPage, ZListAuditLogsQuery, ZListPlatformAuditLogsQuery, ZPlatformAuditLogPage } from './audit.schemas.js';
import type { AuditService } from './audit.service.js';

const tags = ['audit'];

export const auditRoutes =
  (service: AuditService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/audit-logs', {
      schema: {
        operationId: 'listAuditLogs',
        tags,
        summary: 'List the tenant audit log, newest first (filter by action, actor, target, date range)',
        querystring: ZListAuditLogsQuery,
        response: withErrors({ 200: zEnvelope(ZAuditLogPage) }),
      },
      config: { permission: 'audit:read' },
    }, async (req) => envelope(req, await service.list(tenantCtx(req), req.query)));

    app.get('/admin/audit-logs', {
      schema: {
        operationId: 'adminListAuditLogs',
        tags: ['platform-admin'],
        summary: 'List audit entries across tenants, or the platform-wide ones (platform admin)',
        querystring: ZListPlatformAuditLogsQuery,
        response: withErrors({ 200: zEnvelope(ZPlatformAuditLogPage) }),
      },
      config: { platformAdmin: true },
    }, async (req) => envelope(req, await service.listForPlatform(platformCtx(req), req.query)));
  };
