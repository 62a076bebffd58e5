/**
 * Chat runtime overhead: the same fake OpenAI-compatible LLM (0 ms delay) called directly and through Switchboard's
 * OpenAI-compatible API (POST /v1/chat/completions, non-streamed) for an agent with a 200-document knowledge base,
 * with autocannon (its own process) at 50 connections; then the time to first token of streamed turns, sequentially,
 * directly, through a bare Node relay (the floor of any gateway on this machine) and through Switchboard, from a client
 * in its own process as well (bench/chat-ttft-client.ts).
 *
 *   npm run bench:chat [-- --duration 10 --connections 50 --ttft 200 --cache]
 *
 * Switchboard runs in this process on PGlite with its data dir on disk, as `npm start` runs it (BENCH_PGLITE=memory:
 * PGlite's in-memory file system), or on PostgreSQL when DATABASE_URL is set (use a scratch database). Each Switchboard turn is a full RAG turn: agent load, a new conversation, retrieval, prompt, the LLM call,
 * persistence of both messages and metered usage. Retrieval runs on every turn unless `--cache` keeps the production
 * default (search results cached per knowledge-base version; the bench repeats one question, so turns after the first hit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { sql } from 'drizzle-orm';
import { pino } from 'pino';

import { buildApp } from '../src/app/build-app.js';
import { systemContext } from '../src/app/context.js';
import { createContainer } from '../src/app/container.js';
import { loadConfig } from '../src/config/env.js';
import { fromPglite, openPglite, openPostgres, queryRows } from '../src/db/client.js';
import { startPgliteThread } from '../src/db/pglite-thread.js';
import { migrate } from '../src/db/migrate.js';
import { ZCreateAgentBody } from '../src/modules/agents/agents.schemas.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    ttft: { type: 'string', default: '200' },
    // The production default: search results cached per knowledge-base version, so a repeated question skips retrieval.
    cache: { type: 'boolean', default: false },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const ttftRuns = Number(values.ttft);
const QUESTION = 'How long should a strong password be?';
const DOCUMENTS = 200;

/** 200 documents: the sections of the repository's own docs and real fixture documents, then generated filler. */
const corpusOf = () => {
  const sources = [
    ...readdirSync('docs').filter((name) => name.endsWith('.md')).map((name) => join('docs', name)),
    'test/fixtures/docs/md/github-docs-creating-a-strong-password.md',
    'test/fixtures/docs/md/readability-README.md',
  ];
  const sections = sources.flatMap((path) =>
    readFileSync(path, 'utf8')
      .split(/\n(?=## )/)
      .map((text, index) => ({ title: `${path} #${index + 1}`, content: text.trim() }))
      .filter((section) => section.content.length > 200),
  );
  const words = sections.flatMap((section) => section.content.split(/\s+/)).filter((word) => /^[a-z]{4,}$/.test(word));
  let seed = 42;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  while (sections.length < DOCUMENTS) {
    const text = Array.from({ length: 300 }, () => words[next() % words.length]).join(' ');
    sections.push({ title: `generated #${sections.length}`, content: `# Note ${sections.length}\n\n${text}.` });
  }
  return sections.slice(0, DOCUMENTS);
};

const startFakeLlm = async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/chat-fake-llm.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, ...(JSON.parse(line) as { baseUrl: string; hostPort: string }) };
};

/**
 * The floor of any gateway: a bare Node HTTP relay in this process (no auth, database, retrieval, prompt or SDK) that
 * forwards the request to the fake LLM and copies the answer back as it arrives.
 */
const startRelay = async (target: string) => {
  const server = createServer((request, response) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      for await (const chunk of upstream.body!) response.write(chunk);
      response.end();
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
};

type Load = { rps: number; p50: number; p90: number; p99: number; max: number; non2xx: number; errors: number };

/** autocannon in its own process, so that it does not share Switchboard's event loop. */
const load = async (url: string, body: object, headers: Record<string, string>, seconds: number): Promise<Load> => {
  const args = ['node_modules/autocannon/autocannon.js', '-j', '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-b', JSON.stringify(body), '-H', 'content-type=application/json'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  const child: ChildProcess = spawn(process.execPath, [...args, url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await once(child, 'exit');
  const result = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p90: number; p99: number; max: number }; non2xx: number; errors: number };
  const { p50, p90, p99, max } = result.latency;
  return { rps: Math.round(result.requests.average), p50, p90, p99, max, non2xx: result.non2xx, errors: result.errors };
};

/** Sequential streamed turns from a client in its own process (bench/chat-ttft-client.ts): milliseconds per target. */
const timesToFirstToken = async (targets: { name: string; url: string; body: object; headers: Record<string, string> }[], runs: number) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/chat-ttft-client.ts', JSON.stringify({ targets, runs })], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`the time-to-first-token client exited with ${code}`);
  return JSON.parse(out) as Record<string, number[]>;
};

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2);
};

const fake = await startFakeLlm();
const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-bench-chat-'));
// Embedded runs keep PGlite's files in a data dir on disk, as `npm start` does; BENCH_PGLITE=memory uses PGlite's
// in-memory file system instead (whose file growth copies whole files).
const pgliteMode = process.env.BENCH_PGLITE === 'memory' ? 'in memory' : 'data dir on disk';
const database = process.env.DATABASE_URL
  ? openPostgres(process.env.DATABASE_URL, 8)
  : fromPglite(pgliteMode === 'in memory' ? await startPgliteThread({}) : await openPglite(dataDir));
await migrate(database);
const config = loadConfig({
  ...process.env,
  DATA_DIR: dataDir,
  RUN_MODES: 'api',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  RATE_LIMIT_ENABLED: 'false',
  MAX_EVENT_LOOP_DELAY_MS: '0',
  // By default every turn retrieves for real (no query-result cache): the worst case, a question never asked before.
  ...(values.cache ? {} : { RETRIEVAL_CACHE_SIZE: '0' }),
  OUTBOUND_ALLOW_HOSTS: fake.hostPort,
});
const container = await createContainer({ config, database, logger: pino({ level: config.logLevel }) });
const app = await buildApp(container);
const { modules } = container;

const tenant = await modules.tenants.create({ name: 'Chat bench' });
const ctx = systemContext(tenant.id, 'bench');
const key = await modules.apiKeys.create({ tenantId: tenant.id }, { name: 'bench', scopes: ['*'] });
const kb = await modules.knowledge.knowledgeBases.create(ctx, { name: 'Docs', chunkSize: 512, chunkOverlap: 64, settings: { extractMetadata: false } });
const ingestStarted = performance.now();
for (const [index, doc] of corpusOf().entries()) {
  await modules.knowledge.upsertDocumentFromContent(ctx, { knowledgeBaseId: kb.id, sourceUrl: `https://docs.invalid/${index}`, title: doc.title, content: doc.content, contentType: 'markdown' });
}
for (;;) {
  const claimed = await container.worker.pollOnce();
  await container.worker.drain();
  if (claimed === 0) break;
}
const ingestSeconds = (performance.now() - ingestStarted) / 1000;
// What the worker's minutely db.autovacuum does on PGlite (a server's own autovacuum on PostgreSQL): fresh statistics.
await container.queue.enqueue(database.db, 'db.autovacuum', {});
await container.worker.pollOnce();
await container.worker.drain();
const provider = await modules.aiProviders.create(ctx, { name: 'fake', provider: 'openai-compatible', baseUrl: fake.baseUrl, defaultModel: 'fake-model' });
const agent = await modules.agents.create(ctx, ZCreateAgentBody.parse({ name: 'Bench agent', knowledgeBaseIds: [kb.id], model: { providerId: provider.id } }));
await modules.agents.publish(ctx, agent.id);
const agentId = agent.id;

const origin = await app.listen({ port: 0, host: '127.0.0.1' });
const auth = { authorization: `Bearer ${key.secret}` };
const direct = { url: `${fake.baseUrl}/chat/completions`, body: { model: 'fake-model', messages: [{ role: 'user', content: QUESTION }] }, headers: {} };
const viaSwitchboard = { url: `${origin}/v1/chat/completions`, body: { model: agentId, messages: [{ role: 'user', content: QUESTION }] }, headers: auth };

// The answer must be a real grounded turn, not a fallback, or the figures would measure the wrong path.
const probe = (await (await fetch(viaSwitchboard.url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(viaSwitchboard.body) })).json()) as { switchboard?: { mode: string; citations: unknown[] } };
if (probe.switchboard?.mode !== 'generative') throw new Error(`the bench turn is not generative: ${JSON.stringify(probe)}`);

// Warm-up, then measure.
await load(direct.url, direct.body, direct.headers, 2);
const directLoad = await load(direct.url, direct.body, direct.headers, duration);
await load(viaSwitchboard.url, viaSwitchboard.body, viaSwitchboard.headers, 2);
const switchboardLoad = await load(viaSwitchboard.url, viaSwitchboard.body, viaSwitchboard.headers, duration);

const relay = await startRelay(direct.url);
const ttft = (await timesToFirstToken(
  [
    { name: 'direct', ...direct },
    { name: 'relay', ...direct, url: relay.url },
    { name: 'switchboard', ...viaSwitchboard },
  ],
  ttftRuns,
)) as { direct: number[]; relay: number[]; switchboard: number[] };

// Where the time goes: retrieval alone (as the turn runs it) ...
const retrievalMs: number[] = [];
for (let run = 0; run < ttftRuns; run++) {
  const started = performance.now();
  await modules.retrieval.search(ctx, { knowledgeBaseIds: [kb.id], query: QUESTION, topK: 5 });
  retrievalMs.push(performance.now() - started);
}
// ... and runTurn's own measure (retrieval, prompt, LLM call) of the sequential streamed turns.
const turnLatencies = (
  await queryRows<{ ms: number }>(database.db, sql`SELECT (metadata->>'latencyMs')::int AS ms FROM messages WHERE tenant_id = ${tenant.id} AND role = 'assistant' ORDER BY created_at DESC LIMIT ${ttftRuns}`)
).map((row) => row.ms);

console.log(JSON.stringify({
  documents: DOCUMENTS,
  chunks: (await modules.retrieval.stats(ctx)).chunksIndexed,
  citationsInProbe: probe.switchboard.citations.length,
  database: database.kind === 'embedded' ? `embedded (${pgliteMode})` : database.kind,
  retrievalCache: values.cache ? "on (production default; the same question repeats)" : "off (every turn retrieves)",
  connections,
  durationSeconds: duration,
  ingestSeconds: +ingestSeconds.toFixed(1),
  nonStreamed: { direct: directLoad, switchboard: switchboardLoad },
  timeToFirstTokenMs: {
    runs: ttftRuns,
    directP50: percentile(ttft.direct, 50),
    switchboardP50: percentile(ttft.switchboard, 50),
    addedP50: +(percentile(ttft.switchboard, 50) - percentile(ttft.direct, 50)).toFixed(2),
    // What one more HTTP hop through a Node process costs on this machine, before any of Switchboard's work.
    bareRelayAddedP50: +(percentile(ttft.relay, 50) - percentile(ttft.direct, 50)).toFixed(2),
    directP99: percentile(ttft.direct, 99),
    switchboardP99: percentile(ttft.switchboard, 99),
    runTurnLatencyP50: percentile(turnLatencies, 50),
    retrievalP50: percentile(retrievalMs, 50),
  },
  machine: `${cpus().length}x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  date: new Date().toISOString().slice(0, 10),
}, null, 2));

relay.close();
await app.close();
await container.close();
await database.close();
await rm(dataDir, { recursive: true, force: true });
fake.child.kill('SIGTERM');
