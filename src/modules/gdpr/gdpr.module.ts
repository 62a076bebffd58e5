import { createGdprJobs } from './gdpr.jobs.js';
import { createGdprService, type GdprDeps } from './gdpr.service.js';

export const createGdprModule = (deps: GdprDeps) => {
  const service = createGdprService(deps);
  return { service, jobs: createGdprJobs(service) };
};
