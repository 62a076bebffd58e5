import { createCrawlerJobs } from './crawler.jobs.js';
import { crawlerRoutes } from './crawler.routes.js';
import { createCrawlerService } from './crawler.service.js';
import type { CrawlerDeps } from './service/deps.js';

export const createCrawlerModule = (deps: CrawlerDeps) => {
  const service = createCrawlerService(deps);
  const { jobs, schedules } = createCrawlerJobs(deps);
  return { service, routes: crawlerRoutes(service), jobs, schedules };
};

export type CrawlerModule = ReturnType<typeof createCrawlerModule>;
