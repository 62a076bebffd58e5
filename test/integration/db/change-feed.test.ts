import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createApiKey, createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase } from '../knowledge/knowledge-helpers.js';

/**
 * Embedded mode keeps API keys and turn agents in memory until their tables announce a change (migration 0013).
 * Writes here go around the services on purpose, as raw SQL: invalidation must not depend on which code path wrote.
 */
describe('reads kept until their tables change', () => {
  let t: TestApp;
  let tenant: TestTenant;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_EVENT_LOOP_DELAY_MS: '0' } });
    tenant = await createTenant(t);
  });
  afterAll(() => t.close());

  const listKbs = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/v1/knowledge-bases', headers });
  const run = (query: ReturnType<typeof sql>) => t.database.db.execute(query);

  it('a key revoked, expired or whose tenant is suspended by any write is refused on the next request', async () => {
    const revoked = await createApiKey(t, tenant, ['knowledge:read']);
    const expiring = await createApiKey(t, tenant, ['knowledge:read']);
    for (const key of [revoked, expiring, tenant]) expect((await listKbs(key.headers)).statusCode).toBe(200);

    await run(sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${revoked.id}`);
    expect((await listKbs(revoked.headers)).statusCode).toBe(401);
    await run(sql`UPDATE api_keys SET expires_at = now() WHERE id = ${expiring.id}`);
    expect((await listKbs(expiring.headers)).statusCode).toBe(401);

    await run(sql`UPDATE tenants SET status = 'suspended' WHERE id = ${tenant.id}`);
    const suspended = await listKbs(tenant.headers);
    expect(suspended.statusCode).toBe(403);
    expect(suspended.json().error.code).toBe('TENANT_SUSPENDED');
    await run(sql`UPDATE tenants SET status = 'active' WHERE id = ${tenant.id}`);
    expect((await listKbs(tenant.headers)).statusCode).toBe(200);
  });

  it('a turn sees the agent, provider and knowledge bases as last written', async () => {
    const agents = t.container.modules.agents;
    const ctx = { tenantId: tenant.id };
    const agent = (await t.app.inject({ method: 'POST', url: '/api/v1/agents', headers: tenant.headers, payload: { name: 'Kept' } })).json().data;
    const provider = (
      await t.app.inject({ method: 'POST', url: '/api/v1/ai-providers', headers: tenant.headers, payload: { name: 'p', provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', defaultModel: 'm1' } })
    ).json().data;
    expect((await agents.loadForTurn(ctx, agent.id)).provider).toBeUndefined();

    await run(sql`UPDATE agents SET system_prompt = 'Answer in haiku.', provider_id = ${provider.id} WHERE id = ${agent.id}`);
    let loaded = await agents.loadForTurn(ctx, agent.id);
    expect(loaded.row.systemPrompt).toBe('Answer in haiku.');
    expect(loaded.provider?.defaultModel).toBe('m1');

    await run(sql`UPDATE ai_providers SET default_model = 'm2' WHERE id = ${provider.id}`);
    expect((await agents.loadForTurn(ctx, agent.id)).provider?.defaultModel).toBe('m2');

    const kb = await createKnowledgeBase(t, tenant);
    await run(sql`INSERT INTO agent_knowledge_bases (tenant_id, agent_id, knowledge_base_id) VALUES (${tenant.id}, ${agent.id}, ${kb.id})`);
    loaded = await agents.loadForTurn(ctx, agent.id);
    expect(loaded.knowledgeBaseIds).toEqual([kb.id]);
    const before = loaded.knowledgeBases[0]!.version;
    await run(sql`INSERT INTO retrieval_kb_stats (knowledge_base_id, tenant_id, version) VALUES (${kb.id}, ${tenant.id}, ${before + 5})
      ON CONFLICT (knowledge_base_id) DO UPDATE SET version = ${before + 5}`);
    expect((await agents.loadForTurn(ctx, agent.id)).knowledgeBases[0]!.version).toBe(before + 5);

    await run(sql`UPDATE agents SET slug = 'renamed-agent' WHERE id = ${agent.id}`);
    expect(await agents.idForSlug(ctx, 'renamed-agent')).toBe(agent.id);
    await run(sql`DELETE FROM agents WHERE id = ${agent.id}`);
    await expect(agents.loadForTurn(ctx, agent.id)).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    expect(await agents.idForSlug(ctx, 'renamed-agent')).toBeUndefined();
  });

  it('embedded mode answers a repeated read from memory; PostgreSQL reads every time', async () => {
    const key = await createApiKey(t, tenant, ['knowledge:read']);
    expect((await listKbs(key.headers)).statusCode).toBe(200);
    // Without its trigger the revocation goes unannounced: only a kept read still accepts the key.
    await t.database.db.transaction(async (tx) => {
      await tx.execute(sql`ALTER TABLE api_keys DISABLE TRIGGER api_keys_updated`);
      await tx.execute(sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${key.id}`);
      await tx.execute(sql`ALTER TABLE api_keys ENABLE TRIGGER api_keys_updated`);
    });
    expect((await listKbs(key.headers)).statusCode).toBe(t.database.changes ? 200 : 401);
    await run(sql`UPDATE api_keys SET name = 'touched' WHERE id = ${key.id}`);
    expect((await listKbs(key.headers)).statusCode).toBe(401);
  });
});
