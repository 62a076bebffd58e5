import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import type { Results } from '@electric-sql/pglite';

import type { SerializedError, WorkerOpen, WorkerReply, WorkerRequest } from './pglite-worker.js';

/** `parsers` may only ask for a type's text as it is (what drizzle asks for timestamps, dates and intervals). */
type QueryOptions = { rowMode?: 'array' | 'object'; parsers?: Record<number, unknown> };
type Queryable = {
  query: <T>(sql: string, params?: unknown[], options?: QueryOptions) => Promise<Results<T>>;
  exec: (sql: string) => Promise<Results[]>;
};

/**
 * Embedded PGlite in a worker thread, with the slice of PGlite's interface that drizzle and this codebase use. A
 * statement then runs beside the event loop instead of on it: HTTP, JSON and the AI SDK's streams go on while
 * PostgreSQL plans and executes, so the process uses a second core and one slow statement no longer stalls every
 * request.
 */
export type PgliteThread = Queryable & {
  transaction: <T>(work: (tx: Queryable) => Promise<T>) => Promise<T>;
  /** Resolves once LISTEN has run; `onNotify` runs before the result of the statement that notified. */
  listen: (channel: string, onNotify: (payload: string) => void) => Promise<void>;
  close: () => Promise<void>;
};

/** A PostgreSQL error from the worker, with its fields (code, constraint, detail...) as PGlite gave them. */
export class PgliteError extends Error {
  constructor(serialized: SerializedError) {
    super(serialized.message);
    Object.assign(this, serialized.fields);
  }
}

/**
 * The worker as built, or from source (tsx, vitest) the TypeScript file behind tsx's loader, registered in the
 * thread: Node 20 does not apply `--import` hooks to a worker's entry module.
 */
const newWorker = (workerData: WorkerOpen): Worker => {
  const compiled = new URL('./pglite-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled, { workerData });
  const source = new URL('./pglite-worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`, { eval: true, workerData });
};

/** A request without its id, per kind (Omit over the union would merge the kinds). */
type Outgoing = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

export const startPgliteThread = async (open: WorkerOpen): Promise<PgliteThread> => {
  const worker = newWorker(open);
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, ((payload: string) => void)[]>();
  let nextId = 1;
  let failure: Error | undefined;

  const ready = new Promise<void>((resolve, reject) => pending.set(0, { resolve: () => resolve(), reject }));
  worker.on('message', (reply: WorkerReply) => {
    if ('notification' in reply) {
      for (const onNotify of listeners.get(reply.notification.channel) ?? []) onNotify(reply.notification.payload);
      return;
    }
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if ('error' in reply) waiter?.reject(new PgliteError(reply.error));
    else waiter?.resolve(reply.result);
  });
  const fail = (error: Error) => {
    failure = error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the PGlite worker thread exited (code ${code})`)));

  const send = <T>(request: Outgoing): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  };

  const queryable = (tx?: number): Queryable => ({
    query: <T>(sql: string, params: unknown[] = [], options: QueryOptions = {}) =>
      // Parsers are functions and cannot cross threads; drizzle's only ask for a type's text as it is.
      send<Results<T>>({ op: 'query', tx, sql, params, rowMode: options.rowMode, rawTypes: Object.keys(options.parsers ?? {}).map(Number) }),
    exec: (sql: string) => send<Results[]>({ op: 'exec', tx, sql }),
  });

  try {
    await ready;
  } catch (error) {
    // A thread whose PGlite did not open would otherwise keep the process alive.
    await worker.terminate();
    throw error;
  }
  return {
    ...queryable(),
    transaction: async (work) => {
      const tx = await send<number>({ op: 'begin' });
      let result;
      try {
        result = await work(queryable(tx));
      } catch (error) {
        await send({ op: 'end', tx, commit: false });
        throw error;
      }
      await send({ op: 'end', tx, commit: true });
      return result;
    },
    listen: async (channel, onNotify) => {
      listeners.set(channel, [...(listeners.get(channel) ?? []), onNotify]);
      await send({ op: 'listen', channel });
    },
    close: async () => {
      if (!failure) await send({ op: 'close' });
      await worker.terminate();
    },
  };
};
