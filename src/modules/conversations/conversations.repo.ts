import { and, asc, count, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { conversations, messages } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';
import { pageOffset, type TPageQuery } from '../../lib/pagination.js';
import type { TListConversationsQuery } from './conversations.schemas.js';

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
type Patch = Partial<Pick<ConversationRow, 'status' | 'priority' | 'summary' | 'closeReason' | 'rating' | 'closedAt'>>;

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (char) => `\\${char}`);

export const createConversationsRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const scoped = (...conditions: (SQL | undefined)[]) => and(eq(conversations.tenantId, ctx.tenantId), ...conditions);
    const scopedMessages = (conversationId: string) => and(eq(messages.tenantId, ctx.tenantId), eq(messages.conversationId, conversationId));

    return {
      insert: async (row: { agentId: string; channel: string; customer: Record<string, unknown>; metadata: Record<string, unknown> }) =>
        (await db.insert(conversations).values({ id: newId(), tenantId: ctx.tenantId, ...row }).returning())[0]!,

      findById: async (id: string) => (await db.select().from(conversations).where(scoped(eq(conversations.id, id))))[0],

      list: async (query: TListConversationsQuery) => {
        const pattern = query.search ? `%${escapeLike(query.search)}%` : undefined;
        const where = scoped(
          query.status ? eq(conversations.status, query.status) : undefined,
          query.agentId ? eq(conversations.agentId, query.agentId) : undefined,
          query.channel ? eq(conversations.channel, query.channel) : undefined,
          query.priority ? eq(conversations.priority, query.priority) : undefined,
          query.from ? gte(conversations.createdAt, new Date(query.from)) : undefined,
          query.to ? lt(conversations.createdAt, new Date(query.to)) : undefined,
          // The message search stays inside the tenant too: messages carry their own tenant_id.
          pattern
            ? sql`EXISTS (SELECT 1 FROM ${messages} WHERE ${messages.tenantId} = ${ctx.tenantId} AND ${messages.conversationId} = ${conversations.id} AND ${messages.content} ILIKE ${pattern})`
            : undefined,
        );
        const [items, totals] = await Promise.all([
          db.select().from(conversations).where(where).orderBy(desc(conversations.createdAt), desc(conversations.id)).limit(query.limit).offset(pageOffset(query)),
          db.select({ total: count() }).from(conversations).where(where),
        ]);
        return { items, total: totals[0]?.total ?? 0 };
      },

      update: async (id: string, patch: Patch) =>
        (await db.update(conversations).set({ ...patch, updatedAt: sql`now()` }).where(scoped(eq(conversations.id, id))).returning())[0],

      /** Oldest first. */
      messages: async (conversationId: string, query: TPageQuery) => {
        const [items, totals] = await Promise.all([
          db.select().from(messages).where(scopedMessages(conversationId)).orderBy(asc(messages.createdAt), asc(messages.id)).limit(query.limit).offset(pageOffset(query)),
          db.select({ total: count() }).from(messages).where(scopedMessages(conversationId)),
        ]);
        return { items, total: totals[0]?.total ?? 0 };
      },

      /** The latest `limit` messages, oldest first. */
      latestMessages: async (conversationId: string, limit: number) =>
        (await db.select().from(messages).where(scopedMessages(conversationId)).orderBy(desc(messages.createdAt), desc(messages.id)).limit(limit)).reverse(),

      clearMessages: async (conversationId: string) => {
        const deleted = (await db.delete(messages).where(scopedMessages(conversationId)).returning({ id: messages.id })).length;
        // The running summary is made of the deleted messages: it goes with them.
        await db
          .update(conversations)
          .set({ messageCount: 0, lastMessageAt: null, runningSummary: null, summarizedCount: 0, updatedAt: sql`now()` })
          .where(scoped(eq(conversations.id, conversationId)));
        return deleted;
      },
    };
  },
});
