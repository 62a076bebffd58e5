import { createKnowledgeJobs } from './knowledge.jobs.js';
import { createKnowledgeService } from './knowledge.service.js';
import type { KnowledgeDeps } from './service/deps.js';

/** Routes are mounted by build-app from the service (knowledge.routes.ts), like every other module's. */
export const createKnowledgeModule = (deps: KnowledgeDeps) => ({
  service: createKnowledgeService(deps),
  jobs: createKnowledgeJobs(deps),
});
