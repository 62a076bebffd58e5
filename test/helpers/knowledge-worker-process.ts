/**
 * A real worker process (the production container in worker mode, on the database and DATA_DIR the test gives it)
 * that stops each listed document at a chosen point of its pipeline and says so on stdout, so that one kill -9 lands
 * while several documents are mid-way, each at a known place.
 *
 * Env: DATA_DIR, DATABASE_URL (absent = embedded PGlite in DATA_DIR), JOB_LEASE_MS, and PAUSES, a JSON object
 * `{ documentId: point }` with points:
 * - `parse-committed` / `chunk-committed` / `index-committed`: the step's last transaction (its rows and the next
 *   step's job) has committed, the job is not acknowledged: the at-least-once gap the queue promises to survive.
 * - `index-uncommitted`: the index step has written the retrieval rows inside its transaction, not committed.
 * Prints `paused at <point> <documentId>` for each, then hangs. The pipeline code is not touched: the hooks wrap the
 * queue (claim and acknowledgement, of single jobs and of batches) and the retrieval service the index step calls,
 * all looked up at call time.
 */
import { pino } from 'pino';

import { createContainer } from '../../src/app/container.js';
import { loadConfig } from '../../src/config/env.js';
import { openDatabase } from '../../src/db/client.js';

const PAUSE_POINTS = ['parse-committed', 'chunk-committed', 'index-uncommitted', 'index-committed'] as const;
type PausePoint = (typeof PAUSE_POINTS)[number];

const ACKNOWLEDGED_STEP: Partial<Record<PausePoint, string>> = {
  'parse-committed': 'knowledge.parse',
  'chunk-committed': 'knowledge.chunk',
  'index-committed': 'knowledge.index',
};

const pauses = new Map(Object.entries(JSON.parse(process.env.PAUSES ?? '{}') as Record<string, PausePoint>));
for (const point of pauses.values()) if (!PAUSE_POINTS.includes(point)) throw new Error(`unknown pause point ${point}`);
const paused = new Set<string>();

// Each document can hang in one slot and have one job held back (claimed, then handed back) at a time; one slot more
// leaves room for a runnable job, which would otherwise starve behind the held ones (they come first by run_at).
const concurrency = 2 * pauses.size + 1;
const config = loadConfig({ ...process.env, RUN_MODES: 'worker', LOG_LEVEL: 'silent', WORKER_POLL_INTERVAL_MS: '100', WORKER_CONCURRENCY: String(concurrency) });
const database = await openDatabase({ url: config.database.url, dataDir: config.dataDir, poolMax: 4 });
const container = await createContainer({ config, database, logger: pino({ level: 'silent' }) });
const { queue } = container;

const pause = (point: PausePoint, documentId: string): Promise<never> => {
  paused.add(documentId);
  process.stdout.write(`paused at ${point} ${documentId}\n`);
  return new Promise<never>(() => {});
};

const documentOf = (payload: unknown) => (payload as { documentId?: string } | null)?.documentId ?? '';

/**
 * Holds back (hands straight back to the queue) the jobs that would carry a paused document further, and the index
 * job that pauses inside its transaction until every other document is paused: on PGlite an open transaction stalls
 * every other statement of the process.
 */
const isHeldBack = (job: { name: string; payload: unknown }) => {
  const documentId = documentOf(job.payload);
  if (paused.has(documentId)) return true;
  const isOthersPaused = [...pauses].every(([id, point]) => point === 'index-uncommitted' || paused.has(id));
  return job.name === 'knowledge.index' && pauses.get(documentId) === 'index-uncommitted' && !isOthersPaused;
};

/** The jobs this process runs, by id: the acknowledgement hook must decide without awaiting anything (below). */
const running = new Map<string, { name: string; documentId: string }>();

const claim = queue.claim;
queue.claim = async (db, workerId, limit) => {
  const claimed = await claim(db, workerId, limit);
  const held = claimed.filter(isHeldBack);
  await queue.release(db, held.map((job) => job.id), workerId);
  const kept = claimed.filter((job) => !held.includes(job));
  for (const job of kept) running.set(job.id, { name: job.name, documentId: documentOf(job.payload) });
  return kept;
};

// Called right after the step's commit with no I/O in between, so the document counts as paused before any claim
// can return the job that commit enqueued (on PostgreSQL a concurrent poll would otherwise run the next step).
const complete = queue.complete;
queue.complete = async (db, id, workerId) => {
  const job = running.get(id);
  const point = job && pauses.get(job.documentId);
  if (job && point && job.name === ACKNOWLEDGED_STEP[point]) return pause(point, job.documentId);
  return complete(db, id, workerId);
};

// Steps run in batches (several jobs of one step per handler call, src/jobs/worker.ts), acknowledged in one statement:
// a batch holding a job that should pause is left unacknowledged whole, as a kill -9 at that moment would leave it.
const completeMany = queue.completeMany;
queue.completeMany = async (db, ids, workerId) => {
  for (const id of ids) {
    const job = running.get(id);
    const point = job && pauses.get(job.documentId);
    if (job && point && job.name === ACKNOWLEDGED_STEP[point]) return pause(point, job.documentId);
  }
  return completeMany(db, ids, workerId);
};

const retrieval = container.modules.retrieval;
const indexDocuments = retrieval.indexDocuments;
retrieval.indexDocuments = async (tx, ctx, documentIds) => {
  await indexDocuments(tx, ctx, documentIds);
  const documentId = documentIds.find((id) => pauses.get(id) === 'index-uncommitted');
  if (documentId) await pause('index-uncommitted', documentId);
};

await container.worker.start();
