import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import { documentsRoutes } from './documents.routes.js';
import { knowledgeBasesRoutes } from './knowledge-bases.routes.js';
import type { KnowledgeService } from './knowledge.service.js';

export const knowledgeRoutes =
  (service: KnowledgeService, options: { uploadLimitBytes: number }): FastifyPluginAsyncZod =>
  async (app) => {
    await app.register(knowledgeBasesRoutes(service.knowledgeBases));
    await app.register(documentsRoutes(service.documents, options));
  };
