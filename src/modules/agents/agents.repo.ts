import { and, asc, count, desc, eq, ilike, inArray, like, or, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import { queryRows, type Executor } from '../../db/client.js';
import { agentKnowledgeBases, agents, aiProviders, retrievalKbStats, type AgentStatus } from '../../db/schema.js';
import { pageOffset } from '../../lib/pagination.js';
import type { CorpusStats } from '../retrieval/retrieval.repo.js';
import type { TListAgentsQuery } from './agents.schemas.js';

export type AgentRow = typeof agents.$inferSelect;
type Insert = Omit<typeof agents.$inferInsert, 'tenantId' | 'createdAt' | 'updatedAt'> & { id: string };
type Patch = Partial<Omit<AgentRow, 'id' | 'tenantId' | 'createdAt' | 'updatedAt'>>;

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (char) => `\\${char}`);

export const createAgentsRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const scoped = (...conditions: (SQL | undefined)[]) => and(eq(agents.tenantId, ctx.tenantId), ...conditions);
    const links = (...conditions: (SQL | undefined)[]) => and(eq(agentKnowledgeBases.tenantId, ctx.tenantId), ...conditions);

    return {
      insert: async (row: Insert) => (await db.insert(agents).values({ ...row, tenantId: ctx.tenantId }).returning())[0]!,

      findById: async (id: string) => (await db.select().from(agents).where(scoped(eq(agents.id, id))))[0],

      findIdBySlug: async (slug: string) => (await db.select({ id: agents.id }).from(agents).where(scoped(eq(agents.slug, slug))))[0]?.id,

      /** Held to the end of the transaction: one agent of the tenant at a time picks a derived slug. */
      lockSlugs: async () => {
        await db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`agents.slug:${ctx.tenantId}`}, 0))`);
      },

      /** The tenant's slugs that a slug derived from `base` could collide with: `base` and `base-…`. */
      slugsLike: async (base: string) =>
        new Set((await db.select({ slug: agents.slug }).from(agents).where(scoped(or(eq(agents.slug, base), like(agents.slug, `${escapeLike(base)}-%`))))).map((row) => row.slug)),

      /**
       * The first read of every customer turn, in one statement: the agent, its provider row, and its knowledge bases
       * with the retrieval statistics the search's result cache is keyed on.
       */
      findForTurn: async (id: string) =>
        (
          await db
            .select({
              row: agents,
              provider: aiProviders,
              knowledgeBases: sql<CorpusStats[]>`coalesce((
                SELECT json_agg(json_build_object('knowledgeBaseId', l.knowledge_base_id, 'version', coalesce(s.version, 0),
                  'chunkCount', coalesce(s.chunk_count, 0)) ORDER BY l.created_at, l.knowledge_base_id)
                FROM ${agentKnowledgeBases} l
                LEFT JOIN ${retrievalKbStats} s ON s.tenant_id = l.tenant_id AND s.knowledge_base_id = l.knowledge_base_id
                WHERE l.tenant_id = ${ctx.tenantId} AND l.agent_id = ${agents.id}), '[]')`,
            })
            .from(agents)
            .leftJoin(aiProviders, and(eq(aiProviders.tenantId, agents.tenantId), eq(aiProviders.id, agents.providerId)))
            .where(scoped(eq(agents.id, id)))
        )[0],

      /** Row lock: status changes (train, publish, the training check) of one agent run one after the other. */
      lockById: async (id: string) => (await db.select().from(agents).where(scoped(eq(agents.id, id))).for('update'))[0],

      list: async (query: TListAgentsQuery) => {
        const pattern = query.search ? `%${escapeLike(query.search)}%` : undefined;
        const where = scoped(
          query.status ? eq(agents.status, query.status) : undefined,
          pattern ? or(ilike(agents.name, pattern), ilike(agents.description, pattern)) : undefined,
        );
        const [items, totals] = await Promise.all([
          db.select().from(agents).where(where).orderBy(desc(agents.createdAt), asc(agents.id)).limit(query.limit).offset(pageOffset(query)),
          db.select({ total: count() }).from(agents).where(where),
        ]);
        return { items, total: totals[0]?.total ?? 0 };
      },

      update: async (id: string, patch: Patch) =>
        (await db.update(agents).set({ ...patch, updatedAt: sql`now()` }).where(scoped(eq(agents.id, id))).returning())[0],

      setStatus: async (id: string, status: AgentStatus, extra: Patch = {}) =>
        (await db.update(agents).set({ ...extra, status, updatedAt: sql`now()` }).where(scoped(eq(agents.id, id))).returning())[0],

      delete: async (id: string) => (await db.delete(agents).where(scoped(eq(agents.id, id))).returning({ id: agents.id })).length > 0,

      knowledgeBaseIds: async (agentId: string) =>
        (await db.select({ id: agentKnowledgeBases.knowledgeBaseId }).from(agentKnowledgeBases).where(links(eq(agentKnowledgeBases.agentId, agentId))).orderBy(asc(agentKnowledgeBases.createdAt), asc(agentKnowledgeBases.knowledgeBaseId))).map((row) => row.id),

      /** Knowledge base ids per agent, for a page of agents in one query. */
      knowledgeBaseIdsOf: async (agentIds: string[]) => {
        if (agentIds.length === 0) return new Map<string, string[]>();
        const rows = await db
          .select({ agentId: agentKnowledgeBases.agentId, id: agentKnowledgeBases.knowledgeBaseId })
          .from(agentKnowledgeBases)
          .where(links(inArray(agentKnowledgeBases.agentId, agentIds)))
          .orderBy(asc(agentKnowledgeBases.createdAt), asc(agentKnowledgeBases.knowledgeBaseId));
        const byAgent = new Map<string, string[]>();
        for (const row of rows) byAgent.set(row.agentId, [...(byAgent.get(row.agentId) ?? []), row.id]);
        return byAgent;
      },

      attach: async (agentId: string, knowledgeBaseIds: string[]) => {
        if (knowledgeBaseIds.length === 0) return;
        await db
          .insert(agentKnowledgeBases)
          .values(knowledgeBaseIds.map((knowledgeBaseId) => ({ agentId, knowledgeBaseId, tenantId: ctx.tenantId })))
          .onConflictDoNothing();
      },

      detach: async (agentId: string, knowledgeBaseIds?: string[]) =>
        (
          await db
            .delete(agentKnowledgeBases)
            .where(links(eq(agentKnowledgeBases.agentId, agentId), knowledgeBaseIds ? inArray(agentKnowledgeBases.knowledgeBaseId, knowledgeBaseIds) : undefined))
            .returning({ id: agentKnowledgeBases.knowledgeBaseId })
        ).length,

      /** Conversations, ratings, turns, latency, escalations and tokens since `since` (a UTC date). */
      performance: async (agentId: string, since: string) => {
        const [row] = await queryRows<{
          conversations: number; rated: number; average_rating: string | null; turns: number; fallback_turns: number;
          extractive_turns: number; latency_ms_total: string; input_tokens: string; output_tokens: string; escalations: number;
        }>(db, sql`
          SELECT
            (SELECT count(*)::int FROM conversations c WHERE c.tenant_id = ${ctx.tenantId} AND c.agent_id = ${agentId} AND c.created_at >= ${since}::date) AS conversations,
            (SELECT count(c.rating)::int FROM conversations c WHERE c.tenant_id = ${ctx.tenantId} AND c.agent_id = ${agentId} AND c.created_at >= ${since}::date) AS rated,
            (SELECT avg(c.rating)::text FROM conversations c WHERE c.tenant_id = ${ctx.tenantId} AND c.agent_id = ${agentId} AND c.created_at >= ${since}::date) AS average_rating,
            (SELECT count(*)::int FROM escalation_events e WHERE e.tenant_id = ${ctx.tenantId} AND e.agent_id = ${agentId} AND e.created_at >= ${since}::date) AS escalations,
            coalesce(sum(u.turns), 0)::int AS turns,
            coalesce(sum(u.fallback_turns), 0)::int AS fallback_turns,
            coalesce(sum(u.extractive_turns), 0)::int AS extractive_turns,
            coalesce(sum(u.latency_ms_total), 0)::text AS latency_ms_total,
            coalesce(sum(u.input_tokens), 0)::text AS input_tokens,
            coalesce(sum(u.output_tokens), 0)::text AS output_tokens
          FROM agent_usage_daily u
          WHERE u.tenant_id = ${ctx.tenantId} AND u.agent_id = ${agentId} AND u.day >= ${since}::date`);
        return row!;
      },
    };
  },
});
