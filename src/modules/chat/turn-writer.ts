import type { TenantContext } from '../../app/context.js';
import type { Db, Tx } from '../../db/client.js';
import type { EscalationTrigger } from '../../db/schema.js';
import { withTx } from '../../db/tx.js';
import type { Queue } from '../../jobs/queue.js';
import { createChatRepo, type TurnMessages, type UsageIncrement } from './chat.repo.js';
import { CHAT_JOB } from './summary.js';

export type TurnEscalation = { agentId: string; conversationId: string; messageId: string; trigger: EscalationTrigger; details: Record<string, unknown> };

/** What a finished turn stores: its messages and escalation events (when persisted), the fold it makes due, usage. */
export type TurnRecord = {
  ctx: Pick<TenantContext, 'tenantId'>;
  conversation?: TurnMessages & { escalations: TurnEscalation[]; fold: boolean };
  usage?: UsageIncrement;
};

/** Turns per transaction at most: bounds a statement's size (a stateless call may bring a long history along). */
const MAX_BATCH = 64;

type Pending = { record: TurnRecord; resolve: () => void; reject: (error: unknown) => void };

/**
 * Group commit for finished turns. A turn's write waits for the transaction in flight, never for a timer: alone, a
 * turn is written at once; under load, the turns that finish while one transaction commits share the next one, with
 * multi-row statements. On PGlite every statement costs its single thread ~0.5 ms whatever its size, so this is what
 * keeps writes from capping the turns per second. A failed batch is written again turn by turn, so that a turn whose
 * write cannot succeed (its conversation was deleted meanwhile) fails alone.
 */
export const createTurnWriter = (deps: { db: Db; queue: Pick<Queue, 'enqueue'> }) => {
  const pending: Pending[] = [];
  let writing = false;

  const writeRecords = async (tx: Tx, records: TurnRecord[]) => {
    const byTenant = new Map<string, TurnRecord[]>();
    for (const record of records) byTenant.set(record.ctx.tenantId, [...(byTenant.get(record.ctx.tenantId) ?? []), record]);
    for (const [tenantId, group] of byTenant) {
      const turns = group.flatMap((record) => (record.conversation ? [record.conversation] : []));
      if (turns.length === 0) continue;
      const repo = createChatRepo(tx).forTenant({ tenantId });
      await repo.appendTurns(turns);
      await repo.insertEscalations(turns.flatMap((turn) => turn.escalations));
      // Folding runs after the commit, in the worker: the customer never waits for the summary.
      for (const turn of turns) {
        if (turn.fold) await deps.queue.enqueue(tx, CHAT_JOB.foldSummary, { tenantId, conversationId: turn.conversationId }, { dedupeKey: turn.conversationId });
      }
    }
    // Metering goes last: every turn of an agent updates the same daily row, whose lock is held from here to the commit.
    for (const [tenantId, group] of byTenant) {
      await createChatRepo(tx).forTenant({ tenantId }).meter(group.flatMap((record) => (record.usage ? [record.usage] : [])));
    }
  };

  const flush = async () => {
    writing = true;
    try {
      while (pending.length > 0) {
        const batch = pending.splice(0, MAX_BATCH);
        try {
          await withTx(deps.db, (tx) => writeRecords(tx, batch.map((entry) => entry.record)));
          for (const entry of batch) entry.resolve();
        } catch (error) {
          if (batch.length === 1) batch[0]!.reject(error);
          else for (const entry of batch) await withTx(deps.db, (tx) => writeRecords(tx, [entry.record])).then(entry.resolve, entry.reject);
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
        if (!writing) void flush();
      }),
  };
};

export type TurnWriter = ReturnType<typeof createTurnWriter>;
