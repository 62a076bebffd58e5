import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { agentUsageDaily, conversations, escalationEvents, messages, type EscalationTrigger, type MessageRole } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';

export type ConversationRow = typeof conversations.$inferSelect;

/** `earlierBy`: milliseconds before the turn's time, for history a caller sent along. */
export type NewMessage = { role: MessageRole; content: string; metadata?: Record<string, unknown>; earlierBy?: number };

export type UsageIncrement = {
  agentId: string;
  mode: 'generative' | 'extractive' | 'fallback';
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
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
       * A turn's messages in one multi-row insert, oldest first; a new conversation's row is written first with its
       * counters already set, an existing one's counters move once. Returns the messages' ids in order.
       */
      appendMessages: async (
        conversationId: string,
        rows: NewMessage[],
        newConversation?: { agentId: string; channel: string; customer: Record<string, unknown> },
      ): Promise<string[]> => {
        const ids = rows.map(() => newId());
        if (newConversation) {
          await db.insert(conversations).values({ id: conversationId, tenantId: ctx.tenantId, ...newConversation, messageCount: rows.length, lastMessageAt: sql`now()` });
        }
        await db.insert(messages).values(
          rows.map((row, index) => ({
            id: ids[index]!,
            tenantId: ctx.tenantId,
            conversationId,
            role: row.role,
            content: row.content,
            metadata: row.metadata ?? {},
            // Rows written in one transaction share now(); history earlier in the request goes a millisecond apart
            // before it, so the window (ordered by created_at, then the time-ordered id) keeps the caller's order.
            ...(row.earlierBy ? { createdAt: sql`now() - make_interval(secs => ${row.earlierBy / 1000})` } : {}),
          })),
        );
        if (!newConversation) {
          await db
            .update(conversations)
            .set({ messageCount: sql`${conversations.messageCount} + ${rows.length}`, lastMessageAt: sql`now()`, updatedAt: sql`now()` })
            .where(scopedConversations(eq(conversations.id, conversationId)));
        }
        return ids;
      },

      insertEscalations: async (rows: { agentId: string; conversationId: string; messageId: string; trigger: EscalationTrigger; details: Record<string, unknown> }[]) => {
        if (rows.length === 0) return;
        await db.insert(escalationEvents).values(rows.map((row) => ({ id: newId(), tenantId: ctx.tenantId, ...row })));
      },

      /** One row per tenant, agent and UTC day; concurrent turns add up through the upsert. */
      meter: async (usage: UsageIncrement) => {
        const row = {
          tenantId: ctx.tenantId,
          agentId: usage.agentId,
          day: sql`(now() AT TIME ZONE 'UTC')::date`,
          turns: 1,
          generativeTurns: usage.mode === 'generative' ? 1 : 0,
          extractiveTurns: usage.mode === 'extractive' ? 1 : 0,
          fallbackTurns: usage.mode === 'fallback' ? 1 : 0,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          latencyMsTotal: usage.latencyMs,
        };
        const add = (column: keyof typeof row & keyof typeof agentUsageDaily) => sql`${agentUsageDaily[column]} + excluded.${sql.identifier(agentUsageDaily[column].name)}`;
        await db
          .insert(agentUsageDaily)
          .values(row)
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
