/**
 * Retrieval quality and speed on BEIR SciFact (test split): nDCG@10, Recall@100, ingestion time, query latency.
 * Ingestion goes through the real pipeline: upsertDocumentsFromContent, then the worker's knowledge.parse ->
 * knowledge.chunk -> knowledge.index jobs.
 *
 *   npm run bench:retrieval -- [path/to/scifact]        (default ../shared/data/scifact, or SCIFACT_DIR)
 *   BENCH_INGEST=direct npm run bench:retrieval         (skip parse/chunk jobs: one chunk per abstract, indexDocuments)
 *   BENCH_PGLITE=memory npm run bench:retrieval         (PGlite on its in-memory file system instead of a data dir)
 *
 * The data set is CC BY-NC: it is read from where it lies and never copied into the repository. Runs on PGlite with a
 * temporary data dir, or on PostgreSQL when DATABASE_URL is set (use a scratch database: the bench adds a tenant to it).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

import { pino } from 'pino';

import { systemContext } from '../src/app/context.js';
import { createContainer } from '../src/app/container.js';
import { loadConfig } from '../src/config/env.js';
import { fromPglite, openPglite, openPostgres } from '../src/db/client.js';
import { startPgliteThread } from '../src/db/pglite-thread.js';
import { migrate } from '../src/db/migrate.js';
import { chunks, documents } from '../src/db/schema.js';
import { withTx } from '../src/db/tx.js';
import { newId } from '../src/lib/ids.js';

const dir = resolve(process.argv[2] ?? process.env.SCIFACT_DIR ?? '../shared/data/scifact');
const ingestMode = process.env.BENCH_INGEST === 'direct' ? 'direct' : 'pipeline';
const readJsonl = <T>(file: string): T[] => readFileSync(join(dir, file), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as T);

// BENCH_DOCS=n ingests only the first n abstracts: a quick smoke run (its figures are not comparable).
const corpus = readJsonl<{ _id: string; title: string; text: string }>('corpus.jsonl').slice(0, Number(process.env.BENCH_DOCS) || undefined);
const queries = new Map(readJsonl<{ _id: string; text: string }>('queries.jsonl').map((q) => [q._id, q.text]));
const qrels = new Map<string, Map<string, number>>();
for (const line of readFileSync(join(dir, 'qrels/test.tsv'), 'utf8').trim().split('\n').slice(1)) {
  const [queryId, docId, score] = line.split('\t');
  if (!qrels.has(queryId!)) qrels.set(queryId!, new Map());
  qrels.get(queryId!)!.set(docId!, Number(score));
}

const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-bench-'));
// Embedded runs keep PGlite's files in a data dir on disk, as `npm start` does (DATA_DIR/pgdata);
// BENCH_PGLITE=memory uses PGlite's in-memory file system instead, whose file growth copies whole files (slower).
const pgliteMode = process.env.BENCH_PGLITE === 'memory' ? 'in memory' : 'data dir on disk';
const database = process.env.DATABASE_URL
  ? openPostgres(process.env.DATABASE_URL, 4)
  : fromPglite(pgliteMode === 'in memory' ? await startPgliteThread({}) : await openPglite(dataDir));
await migrate(database);
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, RUN_MODES: 'api', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', RETRIEVAL_CACHE_SIZE: '0' });
const container = await createContainer({ config, database, logger: pino({ level: config.logLevel }) });
const { knowledge, retrieval, tenants } = container.modules;

const tenant = await tenants.create({ name: 'SciFact bench' });
const ctx = systemContext(tenant.id, 'bench');
const kb = await knowledge.knowledgeBases.create(ctx, { name: 'SciFact', chunkSize: 512, chunkOverlap: 64, settings: { extractMetadata: false } });
// Result documents are named by their source URL's last segment, which carries the BEIR doc id.
const docIdOf = new Map<string, string>();

// Abstracts per upsertDocumentsFromContent call: each call is one transaction with multi-row inserts and enqueues.
const UPSERT_BATCH = 500;

const ingestThroughPipeline = async () => {
  for (let start = 0; start < corpus.length; start += UPSERT_BATCH) {
    const slice = corpus.slice(start, start + UPSERT_BATCH);
    const results = await knowledge.upsertDocumentsFromContent(ctx, {
      knowledgeBaseId: kb.id,
      documents: slice.map((doc) => ({ sourceUrl: `https://scifact.invalid/doc/${doc._id}`, title: doc.title, content: doc.text, contentType: 'markdown' as const })),
    });
    results.forEach(({ document }, i) => docIdOf.set(document.id, slice[i]!._id));
  }
  // The worker claims each step's jobs in batches (src/jobs/worker.ts), exactly as in production.
  for (;;) {
    const claimed = await container.worker.pollOnce();
    await container.worker.drain();
    if (claimed === 0) break;
  }
};

/** One chunk per abstract, written straight to the knowledge tables, then indexed through indexDocuments. */
const ingestDirect = async () => {
  const BATCH = 100;
  for (let start = 0; start < corpus.length; start += BATCH) {
    await withTx(database.db, async (tx) => {
      const slice = corpus.slice(start, start + BATCH).map((doc) => ({ doc, id: newId() }));
      await tx.insert(documents).values(slice.map(({ doc, id }) => ({
        id, tenantId: tenant.id, knowledgeBaseId: kb.id, name: doc.title, type: 'text', mimeType: 'text/plain',
        sizeBytes: doc.text.length, contentHash: `scifact-${doc._id}`, storageKey: `bench/${doc._id}`,
        sourceUrl: `https://scifact.invalid/doc/${doc._id}`, status: 'processed' as const, metadata: { title: doc.title },
      })));
      await tx.insert(chunks).values(slice.map(({ doc, id }) => ({
        id: newId(), tenantId: tenant.id, knowledgeBaseId: kb.id, documentId: id, ordinal: 0, content: doc.text, headings: [],
        tokenCount: doc.text.split(/\s+/).length,
      })));
      for (const { doc, id } of slice) docIdOf.set(id, doc._id);
      await retrieval.indexDocuments(tx, ctx, slice.map(({ id }) => id));
    });
  }
};

const ingestStart = performance.now();
await (ingestMode === 'pipeline' ? ingestThroughPipeline() : ingestDirect());
const ingestSeconds = (performance.now() - ingestStart) / 1000;
const stats = await retrieval.stats(ctx);

let ndcgSum = 0;
let recallSum = 0;
const latencies: number[] = [];
for (const [queryId, relevant] of qrels) {
  const started = performance.now();
  const results = await retrieval.search(ctx, { knowledgeBaseIds: [kb.id], query: queries.get(queryId)!, topK: 100 });
  latencies.push(performance.now() - started);
  // Several chunks of one abstract count once, at the rank of the first (BEIR judges documents).
  const ranked = [...new Set(results.map((result) => docIdOf.get(result.documentId)!))];
  const dcg = ranked.slice(0, 10).reduce((sum, id, i) => sum + (2 ** (relevant.get(id) ?? 0) - 1) / Math.log2(i + 2), 0);
  const ideal = [...relevant.values()].sort((a, b) => b - a).slice(0, 10).reduce((sum, rel, i) => sum + (2 ** rel - 1) / Math.log2(i + 2), 0);
  ndcgSum += dcg / ideal;
  recallSum += ranked.slice(0, 100).filter((id) => relevant.has(id)).length / relevant.size;
}
latencies.sort((a, b) => a - b);
const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;

console.log(JSON.stringify({
  dataset: 'BEIR SciFact test', queries: qrels.size, documents: corpus.length, chunks: stats.chunksIndexed,
  database: database.kind === 'embedded' ? `embedded (${pgliteMode})` : database.kind, ingest: ingestMode, mode: config.retrieval.embeddings ? 'hybrid' : 'lexical',
  ndcgAt10: +(ndcgSum / qrels.size).toFixed(4), recallAt100: +(recallSum / qrels.size).toFixed(4),
  ingestSeconds: +ingestSeconds.toFixed(1), queryP50Ms: +percentile(50).toFixed(1), queryP95Ms: +percentile(95).toFixed(1),
  machine: `${cpus().length}x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  date: new Date().toISOString().slice(0, 10),
}, null, 2));

await container.close();
await database.close();
await rm(dataDir, { recursive: true, force: true });
