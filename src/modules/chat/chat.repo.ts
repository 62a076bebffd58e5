import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { intArray, uuidArray } from '../../db/sql-arrays.js';
import { agentUsageDaily, conversations, escalationEvents, messages, type EscalationTrigger, type MessageRole } from '../../db/schema.js';
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

export type UsageIncrement = {
  agentId: string;
  mode: 'generative' | 'extractive' | 'fallback';
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
};

type UsageColumn = 'turns' | 'generativeTurns' | 'extractiveTurns' | 'fallbackTurns' | 'inputTokens' | 'outputTokens' | 'latencyMsTotal';

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
       * The messages of one or more turns (a group commit), each turn's oldest first, in one multi-row insert. A new
       * conversation's row is written first with its counters already set; continued conversations' counters move in
       * one statement, once per conversation.
       */
      appendTurns: async (turns: TurnMessages[]) => {
        const created = turns.filter((turn) => turn.newConversation);
        if (created.length > 0) {
          await db.insert(conversations).values(
            created.map((turn) => ({ id: turn.conversationId, tenantId: ctx.tenantId, ...turn.newConversation!, messageCount: turn.messages.length, lastMessageAt: sql`now()` })),
          );
        }
        const added = new Map<string, number>();
        for (const turn of turns) if (!turn.newConversation) added.set(turn.conversationId, (added.get(turn.conversationId) ?? 0) + turn.messages.length);
        if (added.size > 0) {
          await db.execute(sql`
            UPDATE conversations c SET message_count = c.message_count + v.n, last_message_at = now(), updated_at = now()
            FROM unnest(${uuidArray([...added.keys()])}, ${intArray([...added.values()])}) AS v(id, n)
            WHERE c.tenant_id = ${ctx.tenantId} AND c.id = v.id`);
        }
        await db.insert(messages).values(
          turns.flatMap((turn) =>
            turn.messages.map((row) => ({
              id: row.id,
              tenantId: ctx.tenantId,
              conversationId: turn.conversationId,
              role: row.role,
              content: row.content,
              metadata: row.metadata ?? {},
              // Rows written in one transaction share now(); history earlier in the request goes a millisecond apart
              // before it, so the window (ordered by created_at, then the time-ordered id) keeps the caller's order.
              ...(row.earlierBy ? { createdAt: sql`now() - make_interval(secs => ${row.earlierBy / 1000})` } : {}),
            })),
          ),
        );
      },

      insertEscalations: async (rows: { agentId: string; conversationId: string; messageId: string; trigger: EscalationTrigger; details: Record<string, unknown> }[]) => {
        if (rows.length === 0) return;
        await db.insert(escalationEvents).values(rows.map((row) => ({ id: newId(), tenantId: ctx.tenantId, ...row })));
      },

      /**
       * One row per tenant, agent and UTC day; concurrent turns add up through the upsert. Several turns' usage (a
       * group commit) is summed per agent first: one statement may not update the same row twice.
       */
      meter: async (usages: UsageIncrement[]) => {
        const byAgent = new Map<string, Record<UsageColumn, number>>();
        for (const usage of usages) {
          const totals = byAgent.get(usage.agentId) ?? { turns: 0, generativeTurns: 0, extractiveTurns: 0, fallbackTurns: 0, inputTokens: 0, outputTokens: 0, latencyMsTotal: 0 };
          totals.turns += 1;
          totals[`${usage.mode}Turns`] += 1;
          totals.inputTokens += usage.inputTokens;
          totals.outputTokens += usage.outputTokens;
          totals.latencyMsTotal += usage.latencyMs;
          byAgent.set(usage.agentId, totals);
        }
        if (byAgent.size === 0) return;
        const add = (column: UsageColumn) => sql`${agentUsageDaily[column]} + excluded.${sql.identifier(agentUsageDaily[column].name)}`;
        await db
          .insert(agentUsageDaily)
          .values([...byAgent].map(([agentId, totals]) => ({ tenantId: ctx.tenantId, agentId, day: sql`(now() AT TIME ZONE 'UTC')::date`, ...totals })))
          .onConflictDoUpdate({
            target: [agentUsageDaily.tenantId, agentUsageDaily.agentId, agentUsageDaily.day],
            set: {
              turns: add('turns'),
              generativeTurns: add('generativeTurns'),
              extractiveTurns: add('extractiveTurns'),
              fallbackTurns: add('fallbackTurns'),
              inputTokens: add('inputTokens'),
              outputTokens: add('outputTokens'),
              latencyMsTotal: add('latencyMsTotal'),
            },
          });
      },
    };
  },
});
