import { z } from 'zod';

import type { Db } from '../../db/client.js';
import { withTx } from '../../db/tx.js';
import type { Queue } from '../../jobs/queue.js';
import { defineJob } from '../../jobs/registry.js';
import type { KnowledgeService } from '../knowledge/knowledge.service.js';
import { createAgentsRepo } from './agents.repo.js';
import { AGENT_JOB } from './agents.service.js';

const ZTrainingCheckPayload = z.object({ tenantId: z.uuid(), agentId: z.uuid() });

/** Documents in these states are still on their way into the index. */
const PENDING_STATUSES = ['uploaded', 'processing'];
// A training never blocks an agent for longer than this: documents still processing become searchable when done.
const MAX_TRAINING_MS = 60 * 60 * 1000;

export type AgentsJobsDeps = {
  db: Db;
  queue: () => Pick<Queue, 'enqueue'>;
  knowledge: { knowledgeBases: Pick<KnowledgeService['knowledgeBases'], 'summary'> };
  config: { trainingPollMs: number };
};

export const createAgentsJobs = (deps: AgentsJobsDeps) => [
  defineJob({
    name: AGENT_JOB.trainingCheck,
    payload: ZTrainingCheckPayload,
    // Idempotent: it only moves a TRAINING agent to ACTIVE, or looks again later.
    handler: async (payload, run) => {
      const ctx = run.ctx!;
      const agent = await createAgentsRepo(deps.db).forTenant(ctx).findById(payload.agentId);
      if (!agent || agent.status !== 'TRAINING') return;
      let pending = 0;
      for (const knowledgeBaseId of await createAgentsRepo(deps.db).forTenant(ctx).knowledgeBaseIds(agent.id)) {
        const { byStatus } = (await deps.knowledge.knowledgeBases.summary(ctx, knowledgeBaseId)).documents;
        pending += PENDING_STATUSES.reduce((sum, status) => sum + (byStatus[status] ?? 0), 0);
      }
      const isOverdue = Date.now() - (agent.trainingStartedAt?.getTime() ?? 0) > MAX_TRAINING_MS;
      await withTx(deps.db, async (tx) => {
        const repo = createAgentsRepo(tx).forTenant(ctx);
        const current = await repo.lockById(agent.id);
        if (current?.status !== 'TRAINING') return;
        if (pending > 0 && !isOverdue) {
          // No dedupe key: this job still holds it while running, so a keyed enqueue would return this very job.
          await deps.queue().enqueue(tx, AGENT_JOB.trainingCheck, payload, { runAt: new Date(Date.now() + deps.config.trainingPollMs) });
          return;
        }
        const now = new Date();
        await repo.setStatus(agent.id, 'ACTIVE', { trainedAt: now, publishedAt: current.publishedAt ?? now });
      });
    },
  }),
];
