import { and, eq, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { conversations, messages } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';

export type SeedMessage = { role: 'user' | 'assistant'; content: string };

/** Conversations the OpenAI-compatible API opens: found again by the caller's id (external_id), or seeded once. */
export const createOpenAiCompatRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const scoped = (...conditions: (SQL | undefined)[]) => and(eq(conversations.tenantId, ctx.tenantId), ...conditions);
    const findByExternalId = async (agentId: string, externalId: string) =>
      (await db.select({ id: conversations.id }).from(conversations).where(scoped(eq(conversations.agentId, agentId), eq(conversations.externalId, externalId))))[0];

    return {

      /** Idempotent under concurrency: two first calls with one id meet on the unique index and share the row. */
      findOrCreateByExternalId: async (row: { agentId: string; externalId: string; channel: string }) => {
        const existing = await findByExternalId(row.agentId, row.externalId);
        if (existing) return existing.id;
        await db
          .insert(conversations)
          .values({ id: newId(), tenantId: ctx.tenantId, agentId: row.agentId, channel: row.channel, externalId: row.externalId, customer: { externalId: row.externalId } })
          .onConflictDoNothing();
        return (await findByExternalId(row.agentId, row.externalId))!.id;
      },

      /** A conversation holding the history a stateless caller sent along, so the turn sees it like stored memory. */
      insertSeeded: async (row: { agentId: string; channel: string; history: SeedMessage[] }) => {
        const id = newId();
        await db.insert(conversations).values({ id, tenantId: ctx.tenantId, agentId: row.agentId, channel: row.channel, customer: {}, messageCount: row.history.length });
        // Distinct timestamps keep the order the caller gave (the history window sorts by created_at).
        const base = Date.now() - row.history.length;
        if (row.history.length > 0) {
          await db.insert(messages).values(
            row.history.map((message, index) => ({ id: newId(), tenantId: ctx.tenantId, conversationId: id, role: message.role, content: message.content, metadata: { source: 'request_history' }, createdAt: new Date(base + index) })),
          );
        }
        return id;
      },
    };
  },
});
