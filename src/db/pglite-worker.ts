/**
 * The worker thread that owns embedded PGlite (see pglite-thread.ts). Statements arrive as messages and run on PGlite
 * with its own locking: a statement outside a transaction waits for an open one, as in-process.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { PGlite, type QueryOptions, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

import { createPreparedStatements } from './pglite-statements.js';

/** A data dir on disk, a dump to load into memory (tests), or neither: an empty database in memory. */
export type WorkerOpen = { dataDir?: string; dump?: Uint8Array<ArrayBuffer> };

export type WorkerRequest =
  | { id: number; op: 'query'; tx?: number; sql: string; params: unknown[]; rowMode?: 'array' | 'object'; rawTypes: number[] }
  | { id: number; op: 'exec'; tx?: number; sql: string }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'listen'; channel: string }
  | { id: number; op: 'close' };

export type SerializedError = { message: string; fields: Record<string, string | number | boolean> };

export type WorkerReply =
  | { id: number; result: unknown }
  | { id: number; error: SerializedError }
  | { notification: { channel: string; payload: string } };

const port = parentPort!;
const options = workerData as WorkerOpen;

const post = (reply: WorkerReply) => port.postMessage(reply);

/** A PostgreSQL error keeps its SQLSTATE, constraint, detail... across the thread boundary: callers map them. */
const serializeError = (error: unknown): SerializedError => {
  if (!(error instanceof Error)) return { message: String(error), fields: {} };
  const fields: Record<string, string | number | boolean> = { name: error.name };
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return { message: error.message, fields };
};

/** drizzle asks for some types as their text (timestamps, dates, intervals): the parsers it would pass, rebuilt. */
const rawParsers = new Map<string, Record<number, (value: string) => string>>();
const parsersFor = (types: number[]) => {
  const key = types.join(',');
  let parsers = rawParsers.get(key);
  if (!parsers) rawParsers.set(key, (parsers = Object.fromEntries(types.map((type) => [type, (value: string) => value]))));
  return parsers;
};

const start = async () => {
  const pg = await PGlite.create(options.dataDir, {
    extensions: { vector },
    ...(options.dump ? { loadDataDir: new Blob([options.dump]) } : {}),
  });
  const transactions = new Map<number, { tx: Transaction; end: (commit: boolean) => void; done: Promise<unknown> }>();
  let nextTx = 1;
  const statements = createPreparedStatements(pg);

  const target = (tx: number | undefined) => {
    if (tx === undefined) return pg;
    const open = transactions.get(tx);
    if (!open) throw new Error('Transaction is closed');
    return open.tx;
  };

  /** With PGlite's locks as its query() takes them: outside a transaction, also wait for any open one. */
  const query = async (request: Extract<WorkerRequest, { op: 'query' }>) => {
    const options: QueryOptions = {
      ...(request.rowMode ? { rowMode: request.rowMode } : {}),
      ...(request.rawTypes.length ? { parsers: parsersFor(request.rawTypes) } : {}),
    };
    if (request.tx !== undefined) {
      target(request.tx);
      return pg.runExclusive(() => statements.query(request.sql, request.params, options, true));
    }
    const result = await pg._runExclusiveTransaction(() => pg.runExclusive(() => statements.query(request.sql, request.params, options, false)));
    await pg.syncToFs();
    return result;
  };

  const handle = async (request: WorkerRequest): Promise<unknown> => {
    switch (request.op) {
      case 'query':
        return query(request);
      case 'exec':
        return target(request.tx).exec(request.sql);
      case 'begin': {
        // PGlite's own transaction(), held open until 'end': its lock keeps other statements out meanwhile.
        const id = nextTx++;
        return new Promise<number>((begun, failed) => {
          let end!: (commit: boolean) => void;
          const decided = new Promise<boolean>((resolve) => (end = resolve));
          const done = pg.transaction(async (tx) => {
            transactions.set(id, { tx, end, done });
            begun(id);
            if (!(await decided)) throw new RollbackRequested();
          });
          done.catch(failed);
        });
      }
      case 'end': {
        const open = transactions.get(request.tx);
        if (!open) throw new Error('Transaction is closed');
        transactions.delete(request.tx);
        open.end(request.commit);
        try {
          await open.done;
        } catch (error) {
          if (!(error instanceof RollbackRequested)) throw error;
        }
        return null;
      }
      case 'listen':
        // PGlite runs a listener in a microtask queued while the notifying statement executes, so the notification
        // is posted before that statement's result: the main thread learns of a change before its commit returns.
        await pg.listen(request.channel, (payload) => post({ notification: { channel: request.channel, payload } }));
        return null;
      case 'close':
        await pg.close();
        return null;
    }
  };

  port.on('message', (request: WorkerRequest) => {
    handle(request).then(
      (result) => post({ id: request.id, result }),
      (error: unknown) => post({ id: request.id, error: serializeError(error) }),
    );
  });
};

class RollbackRequested extends Error {}

start().then(
  () => post({ id: 0, result: 'ready' }),
  (error: unknown) => post({ id: 0, error: serializeError(error) }),
);
