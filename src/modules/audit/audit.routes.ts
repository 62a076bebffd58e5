import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import { ZAuditLogPage, ZListAuditLogsQuery } from './audit.schemas.js';
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
  };
