import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import type { LabelsService } from './labels.service.js';
import { ZCreateLabelBody, ZLabel, ZLabelId, ZLabelPage, ZListLabelsQuery, ZUpdateLabelBody } from './labels.schemas.js';

const tags = ['labels'];

export const labelsRoutes =
  (service: LabelsService): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/labels', {
      schema: { operationId: 'createLabel', tags, summary: 'Create a label', body: ZCreateLabelBody, response: withErrors({ 201: zEnvelope(ZLabel) }) },
      config: { permission: 'labels:write' },
    }, async (req, reply) => reply.status(201).send(envelope(req, await service.create(tenantCtx(req), req.body))));

    app.get('/labels', {
      schema: { operationId: 'listLabels', tags, summary: 'List labels', querystring: ZListLabelsQuery, response: withErrors({ 200: zEnvelope(ZLabelPage) }) },
      config: { permission: 'labels:read' },
    }, async (req) => envelope(req, await service.list(tenantCtx(req), req.query)));

    app.get('/labels/:id', {
      schema: { operationId: 'getLabel', tags, summary: 'Get a label', params: ZLabelId, response: withErrors({ 200: zEnvelope(ZLabel) }) },
      config: { permission: 'labels:read' },
    }, async (req) => envelope(req, await service.get(tenantCtx(req), req.params.id)));

    app.patch('/labels/:id', {
      schema: { operationId: 'updateLabel', tags, summary: 'Update a label', params: ZLabelId, body: ZUpdateLabelBody, response: withErrors({ 200: zEnvelope(ZLabel) }) },
      config: { permission: 'labels:write' },
    }, async (req) => envelope(req, await service.update(tenantCtx(req), req.params.id, req.body)));

    app.delete('/labels/:id', {
      schema: { operationId: 'deleteLabel', tags, summary: 'Delete a label', params: ZLabelId, response: withErrors({ 204: z.null() }) },
      config: { permission: 'labels:delete' },
    }, async (req, reply) => {
      await service.remove(tenantCtx(req), req.params.id);
      return reply.status(204).send(null);
    });
  };
