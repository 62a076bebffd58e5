import { parse, protocol, type PGlite, type QueryOptions, type Results } from '@electric-sql/pglite';

import { GENERIC_PLAN_HINT } from './plan-hints.js';

/** Statements kept prepared; the least recently used is closed beyond this. */
const MAX_PREPARED = 500;

/** PostgreSQL refuses a cached plan whose result columns changed under it (a table altered): prepare it again. */
const isStalePlan = (error: unknown) =>
  (error as { code?: unknown }).code === '0A000' && /cached plan must not change result type/.test((error as Error).message);

/**
 * Statements run as named prepared statements, as postgres.js and JDBC drivers do: PGlite's query() sends a statement
 * as six protocol calls into the WASM module and has PostgreSQL parse, analyse and plan it on every call. Here a
 * statement text is parsed once; each run is one call (bind, describe, execute, sync), and after five runs
 * PostgreSQL may keep a generic plan when it costs no more than the custom ones (plan_cache_mode auto); a statement
 * marked with GENERIC_PLAN_HINT always runs on it. The caller holds PGlite's locks (`runExclusive`).
 */
export const createPreparedStatements = (pg: PGlite) => {
  const prepared = new Map<string, { name: string; types: number[]; generic: boolean }>();
  let next = 1;

  const close = async (name: string) => {
    await pg.execProtocol(Buffer.concat([protocol.serialize.close({ type: 'S', name }), protocol.serialize.sync()]), { syncToFs: false });
  };

  const prepare = async (text: string) => {
    let statement = prepared.get(text);
    if (statement) {
      // Map order is the recency order.
      prepared.delete(text);
      prepared.set(text, statement);
      return statement;
    }
    const name = `sb_${next++}`;
    const { messages } = await pg.execProtocol(Buffer.concat([
      protocol.serialize.parse({ name, text }),
      protocol.serialize.describe({ type: 'S', name }),
      protocol.serialize.sync(),
    ]), { syncToFs: false });
    statement = { name, types: parse.parseDescribeStatementResults(messages), generic: text.startsWith(GENERIC_PLAN_HINT) };
    prepared.set(text, statement);
    if (prepared.size > MAX_PREPARED) {
      const [oldest, { name: closing }] = prepared.entries().next().value!;
      prepared.delete(oldest);
      await close(closing);
    }
    return statement;
  };

  const simple = async (text: string) => {
    await pg.execProtocol(protocol.serialize.query(text), { syncToFs: false });
  };

  const run = async <T>(text: string, params: unknown[], options: QueryOptions): Promise<Results<T>> => {
    const { name, types, generic } = await prepare(text);
    const values = params.map((value, index) => {
      if (value === null || value === undefined) return null;
      const serialize = options.serializers?.[types[index]!] ?? pg.serializers[types[index]!];
      return serialize ? serialize(value) : String(value);
    });
    const execute = async () => {
      const { messages } = await pg.execProtocol(Buffer.concat([
        protocol.serialize.bind({ statement: name, values }),
        protocol.serialize.describe({ type: 'P' }),
        protocol.serialize.execute({}),
        protocol.serialize.sync(),
      ]), { syncToFs: false });
      return parse.parseResults(messages, pg.parsers, options)[0] as Results<T>;
    };
    if (!generic) return execute();
    // The setting is read when the statement is bound; set only around it (in a transaction a rollback restores it).
    await simple('SET plan_cache_mode = force_generic_plan');
    try {
      return await execute();
    } finally {
      await simple('RESET plan_cache_mode');
    }
  };

  return {
    /** Inside a transaction a stale plan has aborted it: the statement is prepared anew next time, not retried. */
    query: async <T>(text: string, params: unknown[], options: QueryOptions, inTransaction: boolean): Promise<Results<T>> => {
      try {
        return await run<T>(text, params, options);
      } catch (error) {
        const stale = isStalePlan(error) ? prepared.get(text) : undefined;
        if (!stale) throw error;
        prepared.delete(text);
        await close(stale.name);
        if (inTransaction) throw error;
        return run<T>(text, params, options);
      }
    },
  };
};
