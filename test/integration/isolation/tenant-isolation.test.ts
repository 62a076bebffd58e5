import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { checkTenantIsolation, type IsolationSeed } from '../../helpers/tenant-isolation.js';
import { agentsIsolationSeed } from '../agents/agents.isolation.js';
import { aiProvidersIsolationSeed } from '../agents/ai-providers.isolation.js';
import { apiKeysIsolationSeed } from '../api-keys/api-keys.isolation.js';
import { auditIsolationSeed } from '../audit/audit.isolation.js';
import { chatIsolationSeed } from '../chat/chat.isolation.js';
import { conversationsIsolationSeed } from '../conversations/conversations.isolation.js';
import { crawlerIsolationSeed, startCrawlerIsolationServer } from '../crawler/crawler.isolation.js';
import { knowledgeIsolationSeed, startKnowledgeIsolationServer } from '../knowledge/knowledge.isolation.js';
import { labelsIsolationSeed } from '../labels/labels.isolation.js';
import { openAiCompatIsolationSeed } from '../openai-compat/openai-compat.isolation.js';
import { rbacIsolationSeed } from '../rbac/rbac.isolation.js';
import { retrievalIsolationSeed } from '../retrieval/retrieval.isolation.js';
import { teamIsolationSeed } from '../team/team.isolation.js';
import { tenantIsolationSeed } from '../tenants/tenants.isolation.js';
import { usersIsolationSeed } from '../users/users.isolation.js';

/** Every module with tenant routes adds its seed here; the coverage test fails for a route left out. */
const SEEDS: Record<string, IsolationSeed> = {
  labels: labelsIsolationSeed,
  knowledge: knowledgeIsolationSeed,
  retrieval: retrievalIsolationSeed,
  crawler: crawlerIsolationSeed,
  audit: auditIsolationSeed,
  aiProviders: aiProvidersIsolationSeed,
  agents: agentsIsolationSeed,
  chat: chatIsolationSeed,
  openAiCompat: openAiCompatIsolationSeed,
  conversations: conversationsIsolationSeed,
  tenant: tenantIsolationSeed,
  rbac: rbacIsolationSeed,
  users: usersIsolationSeed,
  team: teamIsolationSeed,
  apiKeys: apiKeysIsolationSeed,
};

describe('tenant isolation on every tenant route', () => {
  let t: TestApp;
  let documentServer: Awaited<ReturnType<typeof startKnowledgeIsolationServer>>;
  let pageServer: Awaited<ReturnType<typeof startCrawlerIsolationServer>>;
  const covered = new Set<string>();
  beforeAll(async () => {
    documentServer = await startKnowledgeIsolationServer();
    pageServer = await startCrawlerIsolationServer();
    // Load from parallel test files must not turn these checks into 503s from the event-loop guard.
    t = await createTestApp({ env: { OUTBOUND_ALLOW_HOSTS: `${documentServer.host},${pageServer.host}`, MAX_EVENT_LOOP_DELAY_MS: '0' } });
  });
  afterAll(async () => {
    await t.close();
    await documentServer.close();
    await pageServer.close();
  });

  for (const [module, seed] of Object.entries(SEEDS)) {
    it(`${module}: 404 across tenants, 401 without or with bad credentials, 403 without permission or when suspended`, async () => {
      for (const routeCase of await checkTenantIsolation(t, seed)) covered.add(`${routeCase.method} ${routeCase.route}`);
    });
  }

  it('covers every route that requires a permission', async () => {
    const routes = (await t.app.inject({ method: 'GET', url: '/api/v1/routes' })).json().data as { method: string; url: string; permission?: string }[];
    const tenantRoutes = routes.filter((route) => route.permission).map((route) => `${route.method} ${route.url}`);
    expect(tenantRoutes.length).toBeGreaterThan(0);
    expect(tenantRoutes.filter((route) => !covered.has(route))).toEqual([]);
  });
});
