import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { systemContext } from '../../../src/app/context.js';
import { queryRows } from '../../../src/db/client.js';
import { newId } from '../../../src/lib/ids.js';
import { ZCreateAgentBody } from '../../../src/modules/agents/agents.schemas.js';
import { createTurnWriter, type TurnRecord } from '../../../src/modules/chat/turn-writer.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { ask } from './chat-helpers.js';

const TURNS_PER_TENANT = 15;

describe('turn writes (group commit)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_AI: '1000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  /** A published agent with no knowledge and no provider: every turn answers with its fallback, fast. */
  const createAgent = async (tenant: TestTenant) => {
    const ctx = systemContext(tenant.id, 'test');
    const agent = await t.container.modules.agents.create(ctx, ZCreateAgentBody.parse({ name: `Agent ${newId().slice(-6)}` }));
    await t.container.modules.agents.publish(ctx, agent.id);
    return agent.id;
  };

  it('stores every one of many concurrent turns of two tenants, with exact counters and usage', async () => {
    const tenants = [await createTenant(t), await createTenant(t)];
    const agents = [await createAgent(tenants[0]!), await createAgent(tenants[1]!)];
    const turns = await Promise.all(
      Array.from({ length: TURNS_PER_TENANT * 2 }, (_, index) => ask(t, tenants[index % 2]!, agents[index % 2]!, { message: `Question number ${index}?` })),
    );
    expect(turns.map((turn) => turn.status)).toEqual(turns.map(() => 200));

    for (const [index, tenant] of tenants.entries()) {
      const conversations = await queryRows<{ id: string; message_count: number; stored: number }>(t.database.db, sql`
        SELECT c.id, c.message_count, (SELECT count(*)::int FROM messages m WHERE m.conversation_id = c.id) AS stored
        FROM conversations c WHERE c.tenant_id = ${tenant.id}`);
      expect(conversations).toHaveLength(TURNS_PER_TENANT);
      for (const conversation of conversations) expect([conversation.message_count, conversation.stored]).toEqual([2, 2]);
      const [usage] = await queryRows<{ turns: number; fallback_turns: number }>(t.database.db, sql`
        SELECT turns, fallback_turns FROM agent_usage_daily WHERE tenant_id = ${tenant.id} AND agent_id = ${agents[index]!}`);
      expect(usage).toEqual({ turns: TURNS_PER_TENANT, fallback_turns: TURNS_PER_TENANT });
    }
  });

  const record = (tenant: TestTenant, agentId: string, conversation: { conversationId: string; isNew: boolean }): TurnRecord => ({
    ctx: { tenantId: tenant.id },
    conversation: {
      conversationId: conversation.conversationId,
      newConversation: conversation.isNew ? { agentId, channel: 'api', customer: {} } : undefined,
      messages: [{ id: newId(), role: 'user', content: 'Hello?' }, { id: newId(), role: 'assistant', content: 'Hi.' }],
      escalations: [],
      fold: false,
    },
    usage: { agentId, mode: 'fallback', inputTokens: 0, outputTokens: 0, latencyMs: 1 },
  });

  it('commits the turns that finish in one round of I/O together, and those arriving while it runs in the next write', async () => {
    const tenant = await createTenant(t);
    const agentId = await createAgent(tenant);
    const writer = createTurnWriter({ db: t.database.db, queue: t.container.queue });
    const ids = [newId(), newId(), newId(), newId()];
    const write = (conversationId: string) => writer.write(record(tenant, agentId, { conversationId, isNew: true }));
    const together = [write(ids[0]!), write(ids[1]!)];
    // The writer's own setImmediate was queued first: by now the first write has started.
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([...together, write(ids[2]!), write(ids[3]!)]);
    // Rows of one statement share now(): the first two were written together, then the two that came later.
    const rows = await queryRows<{ conversation_id: string; created_at: string }>(t.database.db, sql`
      SELECT conversation_id, created_at::text FROM messages WHERE tenant_id = ${tenant.id} AND role = 'assistant'`);
    const timeOf = new Map(rows.map((row) => [row.conversation_id, row.created_at]));
    expect(timeOf.size).toBe(4);
    expect(timeOf.get(ids[0]!)).toBe(timeOf.get(ids[1]!));
    expect(timeOf.get(ids[2]!)).toBe(timeOf.get(ids[3]!));
    expect(timeOf.get(ids[0]!)).not.toBe(timeOf.get(ids[2]!));
    const [usage] = await queryRows<{ turns: number; fallback_turns: number }>(t.database.db, sql`SELECT turns, fallback_turns FROM agent_usage_daily WHERE tenant_id = ${tenant.id}`);
    expect(usage).toEqual({ turns: 4, fallback_turns: 4 });
  });

  it('fails only the turn whose write cannot succeed when it shares a batch with others', async () => {
    const tenant = await createTenant(t);
    const agentId = await createAgent(tenant);
    const writer = createTurnWriter({ db: t.database.db, queue: t.container.queue });
    const [first, second] = [newId(), newId()];
    // The three are tried together, and the third continues a conversation that does not exist.
    const results = await Promise.allSettled([
      writer.write(record(tenant, agentId, { conversationId: first, isNew: true })),
      writer.write(record(tenant, agentId, { conversationId: second, isNew: true })),
      writer.write(record(tenant, agentId, { conversationId: newId(), isNew: false })),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const stored = await queryRows<{ conversation_id: string }>(t.database.db, sql`SELECT conversation_id FROM messages WHERE tenant_id = ${tenant.id}`);
    expect(stored.map((row) => row.conversation_id).sort()).toEqual([first, first, second, second].sort());
    const [usage] = await queryRows<{ turns: number }>(t.database.db, sql`SELECT turns FROM agent_usage_daily WHERE tenant_id = ${tenant.id}`);
    expect(usage?.turns).toBe(2);
  });
});
