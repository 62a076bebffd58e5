import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { agentUsageDaily, conversations, messages } from '../../db/schema.js';
import type { FoldedMessage } from './summary.js';

const TURN_ROLES: ('user' | 'assistant')[] = ['user', 'assistant'];

/**
 * The running-summary job's statements, apart from chat.repo.ts (the turn's hot path): none of them runs while a
 * customer waits.
 */
export const createConversationSummaryRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const turnMessages = (conversationId: string) =>
      and(eq(messages.tenantId, ctx.tenantId), eq(messages.conversationId, conversationId), inArray(messages.role, TURN_ROLES));

    return {
      findConversation: async (id: string) =>
        (
          await db
            .select({ id: conversations.id, agentId: conversations.agentId, runningSummary: conversations.runningSummary, summarizedCount: conversations.summarizedCount })
            .from(conversations)
            .where(and(eq(conversations.tenantId, ctx.tenantId), eq(conversations.id, id)))
        )[0],

      countTurnMessages: async (conversationId: string) => (await db.select({ total: count() }).from(messages).where(turnMessages(conversationId)))[0]?.total ?? 0,

      /** User and assistant messages from the `offset`-th on, oldest first (the order of the history window). */
      turnMessagesFrom: async (conversationId: string, offset: number, limit: number): Promise<FoldedMessage[]> =>
        db
          .select({ role: sql<FoldedMessage['role']>`${messages.role}`, content: messages.content, mode: sql<string | null>`${messages.metadata}->>'mode'` })
          .from(messages)
          .where(turnMessages(conversationId))
          .orderBy(asc(messages.createdAt), asc(messages.id))
          .offset(offset)
          .limit(limit),

      /** Compare-and-set on the count it started from: a fold that lost a race to another stores nothing. */
      saveSummary: async (id: string, summary: { text: string; summarizedCount: number; expectedCount: number }) =>
        (
          await db
            .update(conversations)
            .set({ runningSummary: summary.text, summarizedCount: summary.summarizedCount })
            .where(and(eq(conversations.tenantId, ctx.tenantId), eq(conversations.id, id), eq(conversations.summarizedCount, summary.expectedCount)))
            .returning({ id: conversations.id })
        ).length > 0,

      /** A summary call's tokens count in the agent's daily usage like a turn's, without counting as a turn. */
      meterTokens: async (agentId: string, usage: { inputTokens: number; outputTokens: number }) => {
        await db
          .insert(agentUsageDaily)
          .values({ tenantId: ctx.tenantId, agentId, day: sql`(now() AT TIME ZONE 'UTC')::date`, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens })
          .onConflictDoUpdate({
            target: [agentUsageDaily.tenantId, agentUsageDaily.agentId, agentUsageDaily.day],
            set: {
              inputTokens: sql`${agentUsageDaily.inputTokens} + excluded.input_tokens`,
              outputTokens: sql`${agentUsageDaily.outputTokens} + excluded.output_tokens`,
            },
          });
      },
    };
  },
});
