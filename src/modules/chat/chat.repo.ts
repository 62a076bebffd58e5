import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { agentUsageDaily, conversations, escalationEvents, messages, type EscalationTrigger, type MessageRole } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';

export type ConversationRow = typeof conversations.$inferSelect;

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

      insertConversation: async (row: { id: string; agentId: string; channel: string; customer: Record<string, unknown> }) =>
        (await db.insert(conversations).values({ ...row, tenantId: ctx.tenantId }).returning())[0]!,

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

      insertMessage: async (row: { conversationId: string; role: MessageRole; content: string; metadata?: Record<string, unknown> }) => {
        const id = newId();
        await db.insert(messages).values({ id, tenantId: ctx.tenantId, metadata: {}, ...row });
        await db
          .update(conversations)
          .set({ messageCount: sql`${conversations.messageCount} + 1`, lastMessageAt: sql`now()`, updatedAt: sql`now()` })
          .where(scopedConversations(eq(conversations.id, row.conversationId)));
        return id;
      },

      insertEscalation: async (row: { agentId: string; conversationId: string; messageId: string; trigger: EscalationTrigger; details: Record<string, unknown> }) => {
        await db.insert(escalationEvents).values({ id: newId(), tenantId: ctx.tenantId, ...row });
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
