import type { TenantContext } from '../../app/context.js';
import type { Db, Executor } from '../../db/client.js';
import { withTx } from '../../db/tx.js';
import type { Queue } from '../../jobs/queue.js';
import { createChatRepo, type NewEscalation, type TurnMessages, type UsageIncrement } from './chat.repo.js';
import { CHAT_JOB } from './summary.js';

/** What a finished turn stores: its messages and escalation events (when persisted), the fold it makes due, usage. */
export type TurnRecord = {
  ctx: Pick<TenantContext, 'tenantId'>;
  conversation?: TurnMessages & { escalations: NewEscalation[]; fold: boolean };
  usage?: UsageIncrement;
};

/** Turns per write at most: bounds a statement's size (a stateless call may bring a long history along). */
const MAX_BATCH = 64;

type Pending = { record: TurnRecord; resolve: () => void; reject: (error: unknown) => void };

/**
 * Group commit for finished turns. A turn's write waits for the end of the current round of I/O callbacks and for the
 * write in flight, never for a timer: alone, a turn is written at once; under load, the turns that finish in the same
 * round, or while one write runs, share the next one. PGlite runs one statement at a time for the whole process, so
 * a write per turn queued every turn behind the others (with 50 connections this took 114 to 175 turns/s). A write is
 * one statement (chat.repo.ts `writeTurns`) unless escalations, summary folds or several tenants make it a
 * transaction: on PGlite every statement costs its one database thread ~0.5 ms whatever its size. A failed batch is
 * written again turn by turn, so that a turn whose write cannot succeed (its conversation was deleted meanwhile)
 * fails alone.
 */
export const createTurnWriter = (deps: { db: Db; queue: Pick<Queue, 'enqueue'> }) => {
  const pending: Pending[] = [];
  let writing = false;

  const byTenant = (records: TurnRecord[]) => {
    const groups = new Map<string, TurnRecord[]>();
    for (const record of records) {
      const group = groups.get(record.ctx.tenantId);
      if (group) group.push(record);
      else groups.set(record.ctx.tenantId, [record]);
    }
    return groups;
  };

  /** Each tenant's turns in one statement; escalation events and fold jobs (rare) after them. */
  const writeRecords = async (executor: Executor, groups: Map<string, TurnRecord[]>) => {
    for (const [tenantId, group] of groups) {
      const turns = group.flatMap((record) => (record.conversation ? [record.conversation] : []));
      const repo = createChatRepo(executor).forTenant({ tenantId });
      await repo.writeTurns(turns, group.flatMap((record) => (record.usage ? [record.usage] : [])));
      await repo.insertEscalations(turns.flatMap((turn) => turn.escalations));
      // Folding runs after the commit, in the worker: the customer never waits for the summary.
      for (const turn of turns) {
        if (turn.fold) await deps.queue.enqueue(executor, CHAT_JOB.foldSummary, { tenantId, conversationId: turn.conversationId }, { dedupeKey: turn.conversationId });
      }
    }
  };

  /** Most batches are one statement, atomic by itself; more statements share a transaction. */
  const write = async (records: TurnRecord[]) => {
    const groups = byTenant(records);
    const isOneStatement = groups.size === 1 && records.every((record) => !record.conversation || (record.conversation.escalations.length === 0 && !record.conversation.fold));
    if (isOneStatement) await writeRecords(deps.db, groups);
    else await withTx(deps.db, (tx) => writeRecords(tx, groups));
  };

  const flush = async () => {
    try {
      while (pending.length > 0) {
        const batch = pending.splice(0, MAX_BATCH);
        try {
          await write(batch.map((entry) => entry.record));
          for (const entry of batch) entry.resolve();
        } catch (error) {
          if (batch.length === 1) batch[0]!.reject(error);
          else for (const entry of batch) await write([entry.record]).then(entry.resolve, entry.reject);
        }
      }
    } finally {
      writing = false;
    }
  };

  return {
    /** Resolves once the turn is committed. */
    write: (record: TurnRecord) =>
      new Promise<void>((resolve, reject) => {
        pending.push({ record, resolve, reject });
        if (writing) return;
        writing = true;
        // Not a timer: the write starts as soon as this round of I/O callbacks is done, taking along every turn
        // that finished in the same round.
        setImmediate(() => void flush());
      }),
  };
};
