import { and, eq, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { conversations } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';

/** Conversations the OpenAI-compatible API keeps server-side, found again by the caller's id (external_id). */
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
    };
  },
});
