/**
 * HTTP overhead benchmark: autocannon against Switchboard's /health and a DB-backed route (GET /api/v1/labels with an
 * API key), beside a bare Node `http` hello-world started in the same run on the same machine.
 * Usage: npm run bench [-- --duration 10 --connections 50]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import autocannon from 'autocannon';

import { openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { createApiKeysService } from '../src/modules/api-keys/api-keys.service.js';
import { createLabelsService } from '../src/modules/labels/labels.service.js';
import { createTenantsService } from '../src/modules/tenants/tenants.service.js';
import { systemContext } from '../src/app/context.js';
import { freePort, startServer, waitForReady } from '../test/helpers/processes.js';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' } },
});
const duration = Number(values.duration);
const connections = Number(values.connections);

type Result = { name: string; rps: number; p50: number; p99: number; errors: number; non2xx: number };

const load = async (name: string, url: string, headers: Record<string, string> = {}): Promise<Result> => {
  // A short warm-up lets V8 optimise the hot path before measuring.
  await autocannon({ url, connections, duration: 2, headers });
  const result = await autocannon({ url, connections, duration, headers });
  return {
    name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
};

const startBare = (port: number): ChildProcess =>
  spawn(process.execPath, [
    '-e',
    `require('node:http').createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"ok":true}'); }).listen(${port}, '127.0.0.1')`,
  ], { stdio: 'ignore' });

const seed = async (dataDir: string) => {
  const database = await openDatabase({ dataDir, poolMax: 1 });
  await migrate(database);
  const tenant = await createTenantsService({ db: database.db }).create({ name: 'Bench' });
  const key = await createApiKeysService({ db: database.db }).create({ tenantId: tenant.id }, { name: 'bench', scopes: ['*'] });
  const labels = createLabelsService({ db: database.db });
  for (const name of ['vip', 'billing', 'bug', 'feedback', 'sales']) await labels.create(systemContext(tenant.id, 'bench'), { name, color: '#6e7781' });
  await database.close();
  return key.secret;
};

const main = async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-bench-'));
  const secret = await seed(dataDir);
  const [appPort, barePort] = [await freePort(), await freePort()];
  const app = startServer({
    DATA_DIR: dataDir,
    PORT: String(appPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    // The limiter stays on (its cost is part of the figure) with limits the load cannot reach.
    RATE_LIMIT_GENERAL: '100000000',
  });
  const bare = startBare(barePort);
  try {
    await waitForReady(`http://127.0.0.1:${appPort}`, app);
    const results = [
      await load('bare node http', `http://127.0.0.1:${barePort}/`),
      await load('GET /health', `http://127.0.0.1:${appPort}/health`),
      await load('GET /api/v1/labels (API key + DB)', `http://127.0.0.1:${appPort}/api/v1/labels`, { authorization: `Bearer ${secret}` }),
    ];
    const baseline = results[0]!.rps;
    console.log(`\nHTTP benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`);
    console.log(`autocannon: ${connections} connections, ${duration} s per target (after a 2 s warm-up), embedded PGlite\n`);
    console.log('| target | req/s | p50 ms | p99 ms | vs bare | errors / non-2xx |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of results) {
      console.log(`| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${Math.round((r.rps / baseline) * 100)} % | ${r.errors} / ${r.non2xx} |`);
    }
  } finally {
    bare.kill();
    app.child.kill('SIGTERM');
    await app.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
};

await main();
