import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';

import { buildApp, type App } from '../../../src/app/build-app.js';
import { createContainer, type Container } from '../../../src/app/container.js';
import { loadConfig } from '../../../src/config/env.js';
import type { Database } from '../../../src/db/client.js';
import { openTestDatabase } from '../../helpers/databases.js';
import { startFakeLlmServer, type FakeLlmServer } from '../../helpers/fake-llm-server.js';
import { createTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, runJobs, upload } from '../knowledge/knowledge-helpers.js';

const SECRET = 'sk-proj-LOGCHECK-9f8e7d6c5b4a39281706';

/** The whole app at trace level, its log captured: provider keys must not appear in it, whatever happens. */
describe('provider secrets in logs', () => {
  let fake: FakeLlmServer;
  let database: Database;
  let container: Container;
  let app: App;
  let dataDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    fake = await startFakeLlmServer({ apiKey: SECRET });
    database = await openTestDatabase(inject('databaseTemplate'));
    dataDir = await mkdtemp(join(tmpdir(), 'switchboard-logs-'));
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, RUN_MODES: 'api', LOG_LEVEL: 'trace', OUTBOUND_ALLOW_HOSTS: fake.hostPort, MAX_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_AI: '1000' });
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => { lines.push(chunk.toString()); done(); } });
    container = await createContainer({ config, database, logger: pino({ level: 'trace' }, stream) });
    app = await buildApp(container);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await container.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
    await fake.close();
  });

  it('never logs the key: creation, checks, failing and successful turns', async () => {
    const t = { app, container } as never;
    const tenant = await createTenant(t);
    const kb = await createKnowledgeBase(t, tenant);
    await upload(t, tenant, kb.id, { filename: 'hours.txt', content: Buffer.from('Our shop opens at nine on weekdays and at ten on Saturdays.') });
    await runJobs(t);
    const post = async (url: string, payload?: object) => (await app.inject({ method: 'POST', url: `/api/v1${url}`, headers: tenant.headers, payload })).json().data;
    const provider = await post('/ai-providers', { name: 'fake', provider: 'openai-compatible', baseUrl: fake.baseUrl, apiKey: SECRET, defaultModel: 'fake-model' });
    expect((await post(`/ai-providers/${provider.id}/test`)).ok).toBe(true);
    const agent = await post('/agents', { name: 'Logged', knowledgeBaseIds: [kb.id], model: { providerId: provider.id } });
    await post(`/agents/${agent.id}/publish`);
    fake.enqueue({ status: 503 }, { status: 401 });
    await app.inject({ method: 'POST', url: `/api/v1/chat/agents/${agent.id}/stream`, headers: tenant.headers, payload: { message: 'When does the shop open on Saturdays?' } });
    await app.inject({ method: 'PATCH', url: `/api/v1/ai-providers/${provider.id}`, headers: tenant.headers, payload: { apiKey: `${SECRET}-rotated` } });

    expect(lines.length).toBeGreaterThan(5);
    expect(lines.some((line) => line.includes('LLM call failed'))).toBe(true);
    for (const line of lines) expect(line).not.toContain('LOGCHECK');
  });
});
