import { createAgentsJobs, type AgentsJobsDeps } from './agents.jobs.js';
import { createAgentsService, type AgentsDeps } from './agents.service.js';

type Deps = Omit<AgentsDeps, 'queue' | 'knowledge'> & AgentsJobsDeps & { knowledge: AgentsDeps['knowledge'] & AgentsJobsDeps['knowledge'] };

/** Agents and their training job; routes are registered by build-app from the service. */
export const createAgentsModule = (deps: Deps) => ({
  service: createAgentsService({ ...deps, queue: { enqueue: (...args) => deps.queue().enqueue(...args) } }),
  jobs: createAgentsJobs(deps),
});
