import { requirePermission, type TenantContext } from '../../app/context.js';
import { createCachedReads } from '../../db/cached-reads.js';
import type { ChangeFeed } from '../../db/change-feed.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { withTx } from '../../db/tx.js';
import type { Queue } from '../../jobs/queue.js';
import { AppError, notFound } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { toPage } from '../../lib/pagination.js';
import type { AiProvidersService } from '../ai-providers/ai-providers.service.js';
import type { KnowledgeService } from '../knowledge/knowledge.service.js';
import { firstFreeSlug, slugify } from './agent-slug.js';
import { createAgentsRepo, type AgentRow } from './agents.repo.js';
import { settingsOf, toAgent } from './agents.mappers.js';
import type {
  TAgentConfiguration,
  TAgentPerformance,
  TCreateAgentBody,
  TListAgentsQuery,
  TUpdateAgentBody,
} from './agents.schemas.js';

export const AGENT_JOB = { trainingCheck: 'agents.training-check' } as const;

export type AgentsDeps = {
  db: Db;
  changes?: ChangeFeed;
  queue: Pick<Queue, 'enqueue'>;
  knowledge: { knowledgeBases: Pick<KnowledgeService['knowledgeBases'], 'get' | 'retrain'> };
  aiProviders: Pick<AiProvidersService, 'exists'>;
};

const isAvailable = (row: Pick<AgentRow, 'status'>) => row.status !== 'DRAFT';

/** What a turn needs of its agent, as kept between turns (read-only). */
type TurnRead = NonNullable<Awaited<ReturnType<ReturnType<ReturnType<typeof createAgentsRepo>['forTenant']>['findForTurn']>>>;
const toTurnAgent = (found: TurnRead) => ({
  row: found.row,
  settings: settingsOf(found.row),
  knowledgeBaseIds: found.knowledgeBases.map((kb) => kb.knowledgeBaseId),
  knowledgeBases: found.knowledgeBases,
  provider: found.provider ?? undefined,
  isAvailable: isAvailable(found.row),
});
type TurnAgent = ReturnType<typeof toTurnAgent>;

const slugTaken = (slug: string) => new AppError('CONFLICT', `Another agent of this tenant already has the slug '${slug}'`);

export const createAgentsService = (deps: AgentsDeps) => {
  const repoOf = (ctx: Pick<TenantContext, 'tenantId'>) => createAgentsRepo(deps.db).forTenant(ctx);
  const turnReads = createCachedReads<TurnAgent>({
    changes: deps.changes,
    tables: ['agents', 'ai_providers', 'agent_knowledge_bases', 'retrieval_kb_stats'],
    max: 10_000,
  });
  const slugReads = createCachedReads<{ id: string }>({ changes: deps.changes, tables: ['agents'], max: 10_000 });

  const findOrThrow = async (ctx: Pick<TenantContext, 'tenantId'>, id: string) => {
    const row = await repoOf(ctx).findById(id);
    if (!row) throw notFound('Agent');
    return row;
  };
  const present = async (ctx: TenantContext, row: AgentRow) => toAgent(row, await repoOf(ctx).knowledgeBaseIds(row.id));

  /** Each id must be one of the caller's knowledge bases (404 otherwise, as for any foreign id). */
  const checkKnowledgeBases = async (ctx: TenantContext, ids: readonly string[]) => {
    for (const id of new Set(ids)) await deps.knowledge.knowledgeBases.get(ctx, id);
    return [...new Set(ids)];
  };
  const checkProvider = async (ctx: TenantContext, providerId: string | null | undefined) => {
    if (providerId && !(await deps.aiProviders.exists(ctx, providerId))) throw notFound('AI provider');
  };
  /**
   * The requested slug, or the first free one derived from the name. Slugs are chosen under a per-tenant lock held to
   * the commit, so two agents created at once with one name do not pick the same; a requested slug that is taken
   * fails on the unique index (409).
   */
  const pickSlug = async (repo: ReturnType<typeof repoOf>, requested: string | undefined, name: string) => {
    await repo.lockSlugs();
    return requested ?? firstFreeSlug(slugify(name), await repo.slugsLike(slugify(name)));
  };

  return {
    create: async (ctx: TenantContext, input: TCreateAgentBody) => {
      requirePermission(ctx, 'agents:write');
      await checkProvider(ctx, input.model.providerId);
      const knowledgeBaseIds = await checkKnowledgeBases(ctx, input.knowledgeBaseIds);
      const { providerId, ...model } = input.model;
      const row = await withTx(deps.db, async (tx) => {
        const repo = createAgentsRepo(tx).forTenant(ctx);
        const inserted = await repo.insert({
          id: newId(),
          name: input.name,
          slug: await pickSlug(repo, input.slug, input.name),
          description: input.description ?? null,
          personality: input.personality,
          language: input.language,
          greeting: input.greeting ?? null,
          systemPrompt: input.systemPrompt ?? null,
          providerId,
          model,
          retrieval: input.retrieval,
          fallback: input.fallback,
        });
        await repo.attach(inserted.id, knowledgeBaseIds);
        return inserted;
      }).catch((error: unknown) => {
        throw input.slug && isUniqueViolation(error) ? slugTaken(input.slug) : error;
      });
      return toAgent(row, knowledgeBaseIds);
    },

    list: async (ctx: TenantContext, query: TListAgentsQuery) => {
      requirePermission(ctx, 'agents:read');
      const { items, total } = await repoOf(ctx).list(query);
      const knowledge = await repoOf(ctx).knowledgeBaseIdsOf(items.map((row) => row.id));
      return toPage(items.map((row) => toAgent(row, knowledge.get(row.id) ?? [])), total, query);
    },

    get: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'agents:read');
      return present(ctx, await findOrThrow(ctx, id));
    },

    update: async (ctx: TenantContext, id: string, patch: TUpdateAgentBody) => {
      requirePermission(ctx, 'agents:write');
      const current = await findOrThrow(ctx, id);
      const settings = settingsOf(current);
      await checkProvider(ctx, patch.model?.providerId);
      const knowledgeBaseIds = patch.knowledgeBaseIds && (await checkKnowledgeBases(ctx, patch.knowledgeBaseIds));
      const { providerId, ...model } = { ...settings.model, ...patch.model };
      const row = await withTx(deps.db, async (tx) => {
        const repo = createAgentsRepo(tx).forTenant(ctx);
        if (patch.slug) await repo.lockSlugs();
        const updated = await repo.update(id, {
          name: patch.name,
          slug: patch.slug,
          description: patch.description,
          personality: patch.personality,
          language: patch.language,
          greeting: patch.greeting,
          systemPrompt: patch.systemPrompt,
          providerId,
          model,
          retrieval: { ...settings.retrieval, ...patch.retrieval },
          fallback: {
            message: patch.fallback?.message ?? settings.fallback.message,
            escalation: { ...settings.fallback.escalation, ...patch.fallback?.escalation },
          },
        });
        if (updated && knowledgeBaseIds) {
          await repo.detach(id);
          await repo.attach(id, knowledgeBaseIds);
        }
        return updated;
      }).catch((error: unknown) => {
        throw patch.slug && isUniqueViolation(error) ? slugTaken(patch.slug) : error;
      });
      if (!row) throw notFound('Agent');
      return present(ctx, row);
    },

    remove: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'agents:delete');
      if (!(await repoOf(ctx).delete(id))) throw notFound('Agent');
    },

    publish: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'agents:write');
      const row = await withTx(deps.db, async (tx) => {
        const repo = createAgentsRepo(tx).forTenant(ctx);
        const current = await repo.lockById(id);
        if (!current) throw notFound('Agent');
        if (current.status === 'TRAINING') throw new AppError('CONFLICT', 'The agent is training; it becomes ACTIVE when training finishes');
        return repo.setStatus(id, 'ACTIVE', { publishedAt: current.publishedAt ?? new Date() });
      });
      return present(ctx, row!);
    },

    unpublish: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'agents:write');
      const row = await repoOf(ctx).setStatus(id, 'DRAFT', { publishedAt: null });
      if (!row) throw notFound('Agent');
      return present(ctx, row);
    },

    attachKnowledge: async (ctx: TenantContext, id: string, knowledgeBaseIds: string[]) => {
      requirePermission(ctx, 'agents:write');
      await findOrThrow(ctx, id);
      await repoOf(ctx).attach(id, await checkKnowledgeBases(ctx, knowledgeBaseIds));
      return present(ctx, await findOrThrow(ctx, id));
    },

    detachKnowledge: async (ctx: TenantContext, id: string, knowledgeBaseId: string) => {
      requirePermission(ctx, 'agents:write');
      await findOrThrow(ctx, id);
      if ((await repoOf(ctx).detach(id, [knowledgeBaseId])) === 0) throw notFound('Attached knowledge base');
    },

    configuration: async (ctx: TenantContext, id: string): Promise<TAgentConfiguration> => {
      requirePermission(ctx, 'agents:read');
      const row = await findOrThrow(ctx, id);
      const settings = settingsOf(row);
      return {
        agentId: row.id,
        name: row.name,
        status: row.status,
        isAvailable: isAvailable(row),
        mode: settings.model.providerId ? 'generative' : 'extractive',
        personality: settings.personality,
        language: row.language,
        greeting: row.greeting,
        fallbackMessage: settings.fallback.message,
        knowledgeBaseCount: (await repoOf(ctx).knowledgeBaseIds(id)).length,
      };
    },

    /**
     * Re-indexes every attached knowledge base (the knowledge module's retrain jobs) and moves the agent to
     * TRAINING; the training-check job moves it to ACTIVE once no attached document is still being processed.
     */
    train: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'agents:write');
      await findOrThrow(ctx, id);
      const knowledgeBaseIds = await repoOf(ctx).knowledgeBaseIds(id);
      const knowledgeBases = [];
      for (const knowledgeBaseId of knowledgeBaseIds) {
        const { queued } = await deps.knowledge.knowledgeBases.retrain(ctx, knowledgeBaseId);
        knowledgeBases.push({ knowledgeBaseId, queued });
      }
      const row = await withTx(deps.db, async (tx) => {
        const repo = createAgentsRepo(tx).forTenant(ctx);
        if (!(await repo.lockById(id))) throw notFound('Agent');
        const updated = await repo.setStatus(id, 'TRAINING', { trainingStartedAt: new Date() });
        await deps.queue.enqueue(tx, AGENT_JOB.trainingCheck, { tenantId: ctx.tenantId, agentId: id }, { dedupeKey: id });
        return updated!;
      });
      return { agentId: id, status: row.status, knowledgeBases };
    },

    performance: async (ctx: TenantContext, id: string, days: number): Promise<TAgentPerformance> => {
      requirePermission(ctx, 'agents:read');
      await findOrThrow(ctx, id);
      const since = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
      const stats = await repoOf(ctx).performance(id, since);
      return {
        agentId: id,
        since,
        conversations: stats.conversations,
        averageRating: stats.average_rating === null ? null : Math.round(Number(stats.average_rating) * 100) / 100,
        ratedConversations: stats.rated,
        turns: stats.turns,
        fallbackTurns: stats.fallback_turns,
        extractiveTurns: stats.extractive_turns,
        averageResponseTimeMs: stats.turns > 0 ? Math.round(Number(stats.latency_ms_total) / stats.turns) : null,
        escalations: stats.escalations,
        tokens: { input: Number(stats.input_tokens), output: Number(stats.output_tokens) },
      };
    },

    /** For the OpenAI-compatible API: the id of the agent with this slug, if the tenant has one (the caller checks). */
    idForSlug: async (ctx: Pick<TenantContext, 'tenantId'>, slug: string) =>
      (await slugReads(`${ctx.tenantId}:${slug}`, async () => {
        const id = await repoOf(ctx).findIdBySlug(slug);
        return id === undefined ? undefined : { id };
      }))?.id,

    /**
     * For the chat runtime: the agent, its settings, provider row and knowledge bases (with their retrieval statistics,
     * so the turn reads neither again); no permission of its own (the caller checks).
     */
    loadForTurn: async (ctx: Pick<TenantContext, 'tenantId'>, id: string) => {
      const found = await turnReads(`${ctx.tenantId}:${id}`, async () => {
        const read = await repoOf(ctx).findForTurn(id);
        return read && toTurnAgent(read);
      });
      if (!found) throw notFound('Agent');
      return found;
    },
  };
};

export type AgentsService = ReturnType<typeof createAgentsService>;
export type LoadedAgent = Awaited<ReturnType<AgentsService['loadForTurn']>>;
