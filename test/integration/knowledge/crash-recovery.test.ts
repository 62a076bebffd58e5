import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';

import { openDatabase, queryRows, type Executor } from '../../../src/db/client.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { adminQuery, databaseUrl } from '../../helpers/databases.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';
import { createKnowledgeBase, fixture, runJobs, upload } from './knowledge-helpers.js';

/**
 * "A document whose processing worker is killed mid-way finishes after restart without duplicate chunks": a real
 * worker process (test/helpers/knowledge-worker-process.ts) works on the document and is SIGKILLed at a point it
 * announces itself; a new worker on the same database (and, embedded, the same PGlite data dir, whose lock the dead
 * process still holds) must finish it with exactly the rows a clean run produces.
 */

// Long enough that a busy worker process keeps its leases alive (heartbeat every third of it), short enough that the
// restart waits only briefly for the dead worker's leases to run out.
const LEASE_MS = 3000;
const execFileAsync = promisify(execFile);
const CHUNKING = { chunkSize: 64, chunkOverlap: 8 };
const FILENAME = 'readability.md';

type Place = { dataDir: string; url?: string; drop: () => Promise<void> };

/** An empty migrated database that two processes can open: a PGlite data dir, or a PostgreSQL database. */
const preparePlace = async (): Promise<Place> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-kcrash-'));
  const template = inject('databaseTemplate');
  if (template.kind === 'postgres') {
    const name = `sbt_kcrash_${randomBytes(6).toString('hex')}`;
    await adminQuery(template.adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template.template}`);
    return {
      dataDir,
      url: databaseUrl(template.adminUrl, name),
      drop: async () => {
        await adminQuery(template.adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  // The migrated template's dump is a tar of a cleanly shut down data dir, what openDatabase() leaves after migrating;
  // unpacked with tar it takes a fraction of a second, where PGlite's own loadDataDir takes seconds of WASM work.
  await mkdir(join(dataDir, 'pgdata'));
  await execFileAsync('tar', ['-xf', template.dumpPath, '-C', join(dataDir, 'pgdata')]);
  return { dataDir, drop: () => rm(dataDir, { recursive: true, force: true }) };
};

const envOf = (place: Place) => ({ DATA_DIR: place.dataDir, JOB_LEASE_MS: String(LEASE_MS), ...(place.url ? { DATABASE_URL: place.url } : {}) });

/** The app of one process life, on the shared place; openDatabase takes the PGlite lock as production does. */
const startApp = async (place: Place) =>
  createTestApp({ database: await openDatabase({ url: place.url, dataDir: place.dataDir, poolMax: 4 }), env: envOf(place) });

/** Runs the worker process until every document reports its pause point, then kill -9. Returns its pid. */
const killWorkerWhenPaused = async (place: Place, pauses: Record<string, string>): Promise<number> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/knowledge-worker-process.ts'], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', ...envOf(place), PAUSES: JSON.stringify(pauses) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const expected = Object.entries(pauses).map(([documentId, point]) => `paused at ${point} ${documentId}`);
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (expected.every((line) => output.includes(line))) resolve();
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`worker exited (${code}) before pausing:\n${output}`)));
      setTimeout(() => reject(new Error(`worker did not pause in time:\n${output}`)), 60_000).unref();
    });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  return child.pid!;
};

const jobsOf = (db: Executor, documentId: string) =>
  queryRows<{ id: string; name: string; state: string; attempts: number }>(db, sql`
    SELECT id, name, state, attempts FROM jobs WHERE payload->>'documentId' = ${documentId} ORDER BY created_at, name`);

/** Polls the queue until no job of the documents is left; the dead worker's leases have to run out first. */
const settle = async (t: TestApp, documentIds: string[]) => {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await t.container.worker.pollOnce();
    await t.container.worker.drain();
    const jobs = (await Promise.all(documentIds.map((id) => jobsOf(t.database.db, id)))).flat();
    if (jobs.every((job) => job.state === 'completed' || job.state === 'dead')) return;
    if (Date.now() > deadline) throw new Error(`jobs still pending: ${JSON.stringify(jobs)}`);
    await sleep(50);
  }
};

/** Everything ingestion leaves for one document (and its knowledge base, which holds only it). */
const snapshot = async (db: Executor, knowledgeBaseId: string, documentId: string) => {
  const [document] = await queryRows<{ status: string; progress: number; chunk_count: number }>(db, sql`
    SELECT status, progress, chunk_count FROM documents WHERE id = ${documentId}`);
  const chunkRows = await queryRows<{ id: string; ordinal: number; content: string; headings: string[]; token_count: number }>(db, sql`
    SELECT id, ordinal, content, headings, token_count FROM chunks WHERE document_id = ${documentId} ORDER BY ordinal, id`);
  const indexed = await queryRows<{ chunk_id: string }>(db, sql`SELECT chunk_id FROM retrieval_chunks WHERE document_id = ${documentId}`);
  const [postings] = await queryRows<{ total: number; distinct_keys: number }>(db, sql`
    SELECT count(*)::int AS total, count(DISTINCT (term, chunk_id))::int AS distinct_keys
    FROM retrieval_postings WHERE document_id = ${documentId}`);
  const [kbStats] = await queryRows<{ chunk_count: number; title_length_sum: number; body_length_sum: number }>(db, sql`
    SELECT chunk_count::int, title_length_sum::int, body_length_sum::int FROM retrieval_kb_stats WHERE knowledge_base_id = ${knowledgeBaseId}`);
  const termStats = await queryRows<{ term: string; df: number }>(db, sql`
    SELECT term, df FROM retrieval_term_stats WHERE knowledge_base_id = ${knowledgeBaseId} ORDER BY term`);
  return {
    document,
    chunkIds: chunkRows.map((row) => row.id),
    chunks: chunkRows.map(({ ordinal, content, headings, token_count }) => ({ ordinal, content, headings, tokenCount: token_count })),
    indexedChunkIds: indexed.map((row) => row.chunk_id),
    postings,
    kbStats,
    termStats,
  };
};

const search = async (t: TestApp, tenant: TestTenant, knowledgeBaseId: string, query: string) => {
  const response = await t.app.inject({ method: 'POST', url: `/api/v1/knowledge-bases/${knowledgeBaseId}/search`, headers: tenant.headers, payload: { query } });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().data.results as { documentId: string; content: string }[];
};

const STEP_OF_POINT = {
  'parse-committed': 'knowledge.parse',
  'chunk-committed': 'knowledge.chunk',
  'index-uncommitted': 'knowledge.index',
  'index-committed': 'knowledge.index',
} as const;
type PausePoint = keyof typeof STEP_OF_POINT;

describe('documents whose processing worker is killed with kill -9', () => {
  // A worker process has to start (seconds of imports and a PGlite open): generous bounds for a loaded machine.
  it('finish after a restart with exactly the chunks and index rows of a clean run', { timeout: 120_000 }, async () => {
    const place = await preparePlace();
    let t: TestApp | undefined;
    try {
      // First life: the API accepts the uploads (one knowledge base each, so each has its own corpus statistics);
      // processing is left to the worker process.
      t = await startApp(place);
      const tenant = await createTenant(t);
      const content = await fixture('md/readability-README.md');
      const documents: { point: PausePoint; knowledgeBaseId: string; documentId: string }[] = [];
      for (const point of Object.keys(STEP_OF_POINT) as PausePoint[]) {
        const kb = await createKnowledgeBase(t, tenant, { ...CHUNKING, name: point });
        const uploaded = await upload(t, tenant, kb.id, { filename: FILENAME, content });
        expect(uploaded.statusCode, uploaded.body).toBe(201);
        documents.push({ point, knowledgeBaseId: kb.id, documentId: uploaded.json().data.id as string });
      }
      await t.close();
      t = undefined;

      // One kill -9 while each document is stopped at its own place.
      const deadPid = await killWorkerWhenPaused(place, Object.fromEntries(documents.map((doc) => [doc.documentId, doc.point])));
      if (!place.url) {
        // The dead process's lock is still there: the restart below has to take it over, not refuse to start.
        expect(readFileSync(join(place.dataDir, 'switchboard.pid'), 'utf8').trim()).toBe(String(deadPid));
      }

      // Restart.
      t = await startApp(place);
      const db = t.database.db;
      const atRestart = new Map<string, Awaited<ReturnType<typeof snapshot>>>();
      const killedJobs = new Map<string, string>();
      for (const { point, knowledgeBaseId, documentId } of documents) {
        const state = await snapshot(db, knowledgeBaseId, documentId);
        atRestart.set(documentId, state);
        expect(state.document!.status, point).toBe(point === 'index-committed' ? 'processed' : 'processing');
        if (point === 'index-uncommitted') expect(state.indexedChunkIds, 'nothing of the killed transaction survives').toEqual([]);
        const jobs = await jobsOf(db, documentId);
        const killed = jobs.find((job) => job.name === STEP_OF_POINT[point] && job.state === 'running');
        expect(killed, `${point}: the killed job is still leased to the dead worker: ${JSON.stringify(jobs)}`).toMatchObject({ attempts: 1 });
        killedJobs.set(documentId, killed!.id);
      }

      await settle(t, documents.map((doc) => doc.documentId));

      // A clean run of the same file (another knowledge base, same settings) is the yardstick.
      const cleanKb = await createKnowledgeBase(t, tenant, { ...CHUNKING, name: 'Clean run' });
      const cleanUpload = await upload(t, tenant, cleanKb.id, { filename: FILENAME, content });
      expect(cleanUpload.statusCode, cleanUpload.body).toBe(201);
      await runJobs(t);
      const clean = await snapshot(db, cleanKb.id, cleanUpload.json().data.id as string);
      expect(clean.document).toMatchObject({ status: 'processed', chunk_count: clean.chunks.length });
      expect(clean.chunks.length).toBeGreaterThan(10);

      for (const { point, knowledgeBaseId, documentId } of documents) {
        const jobs = await jobsOf(db, documentId);
        // One job per step, the killed one run a second time: no replay started the chain again.
        expect(jobs.map((job) => job.name).sort(), point).toEqual(['knowledge.chunk', 'knowledge.index', 'knowledge.parse']);
        expect(jobs.filter((job) => job.state !== 'completed'), point).toEqual([]);
        expect(jobs.find((job) => job.id === killedJobs.get(documentId)), point).toMatchObject({ attempts: 2 });

        const recovered = await snapshot(db, knowledgeBaseId, documentId);
        expect(recovered.document, point).toMatchObject({ status: 'processed', progress: 100, chunk_count: clean.chunks.length });
        expect(recovered.chunks, point).toEqual(clean.chunks);
        expect(new Set(recovered.chunks.map((chunk) => chunk.content)).size, point).toBe(recovered.chunks.length);
        // Chunks the dead worker committed are the ones kept: no replayed step rewrote them.
        if (atRestart.get(documentId)!.chunkIds.length > 0) expect(recovered.chunkIds, point).toEqual(atRestart.get(documentId)!.chunkIds);
        expect([...recovered.indexedChunkIds].sort(), point).toEqual([...recovered.chunkIds].sort());
        expect(recovered.postings, point).toEqual(clean.postings);
        expect(recovered.kbStats, point).toEqual(clean.kbStats);
        expect(recovered.termStats, point).toEqual(clean.termStats);

        const found = await search(t, tenant, knowledgeBaseId, 'Firefox Reader View');
        expect(found.length, point).toBeGreaterThan(0);
        expect(new Set(found.map((result) => result.documentId)), point).toEqual(new Set([documentId]));
      }
    } finally {
      await t?.close();
      await place.drop();
    }
  });
});
