import { createRetrievalJobs } from './retrieval.jobs.js';
import { retrievalRoutes } from './retrieval.routes.js';
import { createRetrievalService } from './retrieval.service.js';
import type { RetrievalDeps } from './service/deps.js';

export const createRetrievalModule = (deps: RetrievalDeps) => {
  const service = createRetrievalService(deps);
  const { jobs, schedules } = createRetrievalJobs(deps);
  return { service, routes: retrievalRoutes(service), jobs, schedules };
};

export type RetrievalModule = ReturnType<typeof createRetrievalModule>;
