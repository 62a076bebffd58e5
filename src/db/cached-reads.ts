import { LRUCache } from 'lru-cache';

import { createCoalescer } from '../lib/coalesce.js';
import type { ChangeFeed, ChangeTable } from './change-feed.js';

/**
 * A read kept in memory until any of the tables it comes from changes, where the database announces changes
 * (embedded PGlite: one statement at a time for the whole process). Without a feed (PostgreSQL) every
 * call reads, and concurrent identical calls share the read. A read that was under way while a change committed is
 * returned to its callers but not kept: it may have seen the state before the change. Misses are not kept either,
 * so unknown keys cannot push known ones out. Callers must treat values as read-only.
 */
export const createCachedReads = <T extends object>(options: { changes?: ChangeFeed; tables: readonly ChangeTable[]; max: number }) => {
  const kept = new LRUCache<string, T>({ max: options.max });
  const coalesce = createCoalescer<T | undefined>();
  // Bumped on every change: part of the in-flight key, so a caller arriving after a change never joins an older read.
  let generation = 0;
  options.changes?.subscribe(options.tables, () => {
    generation += 1;
    kept.clear();
  });

  return (key: string, read: () => Promise<T | undefined>): Promise<T | undefined> => {
    const hit = kept.get(key);
    if (hit) return Promise.resolve(hit);
    const startedAt = generation;
    // A change made before the feed listened went unannounced: only reads started while listening are kept.
    const mayKeep = options.changes?.isListening() ?? false;
    return coalesce(`${startedAt}\u0000${key}`, async () => {
      const value = await read();
      if (mayKeep && value !== undefined && startedAt === generation) kept.set(key, value);
      return value;
    });
  };
};
