import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { bigintArray, intArray, textArray, uuidArray } from '../../db/sql-arrays.js';
import { conversations, escalationEvents, messages, type EscalationTrigger, type MessageRole } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';

export type ConversationRow = typeof conversations.$inferSelect;

/** `earlierBy`: milliseconds before the turn's time, for history a caller sent along. */
export type NewMessage = { role: MessageRole; content: string; metadata?: Record<string, unknown>; earlierBy?: number };

/** A turn's messages with the ids the turn gave them; `newConversation` when the turn starts the conversation. */
export type TurnMessages = {
  conversationId: string;
  messages: (NewMessage & { id: string })[];
  newConversation?: { agentId: string; channel: string; customer: Record<string, unknown> };
};

export type NewEscalation = { agentId: string; conversationId: string; messageId: string; trigger: EscalationTrigger; details: Record<string, unknown> };

export type UsageIncrement = {
  agentId: string;
  mode: 'generative' | 'extractive' | 'fallback';
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
};

/** Usage summed per agent: one row per tenant, agent and UTC day, to which concurrent turns add up. */
const usageTotals = (usages: UsageIncrement[]) => {
  const byAgent = new Map<string, { agentId: string; turns: number; generative: number; extractive: number; fallback: number; inputTokens: number; outputTokens: number; latencyMs: number }>();
  for (const usage of usages) {
    const total = byAgent.get(usage.agentId) ?? { agentId: usage.agentId, turns: 0, generative: 0, extractive: 0, fallback: 0, inputTokens: 0, outputTokens: 0, latencyMs: 0 };
    total.turns += 1;
    total[usage.mode] += 1;
    total.inputTokens += usage.inputTokens;
    total.outputTokens += usage.outputTokens;
    total.latencyMs += usage.latencyMs;
    byAgent.set(usage.agentId, total);
  }
  return [...byAgent.values()];
};

export const createChatRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const scopedConversations = (...conditions: (SQL | undefined)[]) => and(eq(conversations.tenantId, ctx.tenantId), ...conditions);
    return {
      findConversation: async (id: string, agentId: string) =>
        (await db.select().from(conversations).where(scopedConversations(eq(conversations.id, id), eq(conversations.agentId, agentId))))[0],

      /** The last `limit` user and assistant messages, oldest first. */
      recentMessages: async (conversationId: string, limit: number) =>
        (
          await db
            .select({ role: messages.role, content: messages.content })
            .from(messages)
            .where(and(eq(messages.tenantId, ctx.tenantId), eq(messages.conversationId, conversationId), inArray(messages.role, ['user', 'assistant'])))
            .orderBy(desc(messages.createdAt), desc(messages.id))
            .limit(limit)
        ).reverse(),

      /**
       * The messages and usage of one or more finished turns (a group commit), in ONE statement, atomic without a
       * transaction: new conversations' rows with their counters set, continued conversations' counters moved once
       * each, the messages (each turn's oldest first), and the usage summed per agent (one statement may not update
       * the same daily row twice). Data-modifying CTEs see one snapshot, and the messages' foreign-key checks run at
       * the end of the statement, after the conversations were inserted.
       */
      writeTurns: async (turns: TurnMessages[], usages: UsageIncrement[]) => {
        const created = turns.filter((turn) => turn.newConversation);
        const added = new Map<string, number>();
        for (const turn of turns) if (!turn.newConversation) added.set(turn.conversationId, (added.get(turn.conversationId) ?? 0) + turn.messages.length);
        const rows = turns.flatMap((turn) => turn.messages.map((message) => ({ ...message, conversationId: turn.conversationId })));
        const totals = usageTotals(usages);
        await db.execute(sql`
          WITH new_conversations AS (
            INSERT INTO conversations (id, tenant_id, agent_id, channel, customer, message_count, last_message_at)
            SELECT c.id, ${ctx.tenantId}, c.agent_id, c.channel, c.customer::jsonb, c.n, now()
            FROM unnest(${uuidArray(created.map((turn) => turn.conversationId))}, ${uuidArray(created.map((turn) => turn.newConversation!.agentId))},
              ${textArray(created.map((turn) => turn.newConversation!.channel))}, ${textArray(created.map((turn) => JSON.stringify(turn.newConversation!.customer)))},
              ${intArray(created.map((turn) => turn.messages.length))}) AS c(id, agent_id, channel, customer, n)
          ), continued AS (
            UPDATE conversations c SET message_count = c.message_count + v.n, last_message_at = now(), updated_at = now()
            FROM unnest(${uuidArray([...added.keys()])}, ${intArray([...added.values()])}) AS v(id, n)
            WHERE c.tenant_id = ${ctx.tenantId} AND c.id = v.id
          ), new_messages AS (
            -- Rows written together share now(); history a caller sent along goes a millisecond apart before it, so
            -- the window (ordered by created_at, then the time-ordered id) keeps the caller's order.
            INSERT INTO messages (id, tenant_id, conversation_id, role, content, metadata, created_at)
            SELECT m.id, ${ctx.tenantId}, m.conversation_id, m.role, m.content, m.metadata::jsonb, now() - make_interval(secs => m.earlier_by / 1000.0)
            FROM unnest(${uuidArray(rows.map((row) => row.id))}, ${uuidArray(rows.map((row) => row.conversationId))}, ${textArray(rows.map((row) => row.role))},
              ${textArray(rows.map((row) => row.content))}, ${textArray(rows.map((row) => JSON.stringify(row.metadata ?? {})))},
              ${intArray(rows.map((row) => row.earlierBy ?? 0))}) AS m(id, conversation_id, role, content, metadata, earlier_by)
          ), usage AS (
            INSERT INTO agent_usage_daily (tenant_id, agent_id, day, turns, generative_turns, extractive_turns, fallback_turns, input_tokens, output_tokens, latency_ms_total)
            SELECT ${ctx.tenantId}, u.agent_id, (now() AT TIME ZONE 'UTC')::date, u.turns, u.generative, u.extractive, u.fallback, u.input_tokens, u.output_tokens, u.latency
            FROM unnest(${uuidArray(totals.map((total) => total.agentId))}, ${intArray(totals.map((total) => total.turns))},
              ${intArray(totals.map((total) => total.generative))}, ${intArray(totals.map((total) => total.extractive))}, ${intArray(totals.map((total) => total.fallback))},
              ${bigintArray(totals.map((total) => total.inputTokens))}, ${bigintArray(totals.map((total) => total.outputTokens))}, ${bigintArray(totals.map((total) => total.latencyMs))})
              AS u(agent_id, turns, generative, extractive, fallback, input_tokens, output_tokens, latency)
            ON CONFLICT (tenant_id, agent_id, day) DO UPDATE SET
              turns = agent_usage_daily.turns + excluded.turns,
              generative_turns = agent_usage_daily.generative_turns + excluded.generative_turns,
              extractive_turns = agent_usage_daily.extractive_turns + excluded.extractive_turns,
              fallback_turns = agent_usage_daily.fallback_turns + excluded.fallback_turns,
              input_tokens = agent_usage_daily.input_tokens + excluded.input_tokens,
              output_tokens = agent_usage_daily.output_tokens + excluded.output_tokens,
              latency_ms_total = agent_usage_daily.latency_ms_total + excluded.latency_ms_total
          )
          SELECT 1`);
      },

      insertEscalations: async (rows: NewEscalation[]) => {
        if (rows.length === 0) return;
        await db.insert(escalationEvents).values(rows.map((row) => ({ id: newId(), tenantId: ctx.tenantId, ...row })));
      },

    };
  },
});
