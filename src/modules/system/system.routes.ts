import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { envelope, zEnvelope } from '../../app/envelope.js';

export type RouteInfo = { method: string; url: string; operationId?: string; tags: string[]; summary?: string; permission?: string };

const ZRouteInfo = z.object({
  method: z.string(),
  url: z.string(),
  operationId: z.string().optional(),
  tags: z.array(z.string()),
  summary: z.string().optional(),
  permission: z.string().optional(),
});

export const systemRoutes =
  (routes: readonly RouteInfo[]): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/routes', {
      schema: { operationId: 'listRoutes', tags: ['meta'], summary: 'Every documented route with its permission', response: { 200: zEnvelope(z.array(ZRouteInfo)) } },
      config: { public: true },
    }, async (req) => envelope(req, [...routes]));
  };
