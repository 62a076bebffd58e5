import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import { ZDataExport, ZDeletionRequested } from './gdpr.schemas.js';
import type { GdprService } from './gdpr.service.js';

const tags = ['gdpr'];

export const gdprRoutes =
  (service: GdprService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/auth/gdpr/data-export', {
      schema: {
        operationId: 'exportMyData',
        tags,
        summary: 'Everything stored about the calling user, as JSON (user access token)',
        response: withErrors({ 200: zEnvelope(ZDataExport) }),
      },
      config: { signedIn: true },
    }, async (req, reply) => {
      reply.header('content-disposition', 'attachment; filename="switchboard-data-export.json"');
      return envelope(req, await service.exportData(tenantCtx(req)));
    });

    app.post('/auth/gdpr/data-deletion', {
      schema: {
        operationId: 'requestMyDataDeletion',
        tags,
        summary: 'Delete and anonymise the calling user (as a job); the last owner of a tenant gets 409 until ownership moves',
        response: withErrors({ 202: zEnvelope(ZDeletionRequested) }),
      },
      config: { signedIn: true },
    }, async (req, reply) => reply.status(202).send(envelope(req, await service.requestDeletion(tenantCtx(req)))));
  };
