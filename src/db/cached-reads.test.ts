import { describe, expect, it } from 'vitest';

import { createCachedReads } from './cached-reads.js';
import type { ChangeFeed, ChangeTable } from './change-feed.js';

const fakeFeed = () => {
  const subscribers: { tables: readonly ChangeTable[]; onChange: () => void }[] = [];
  let listening = true;
  const feed: ChangeFeed = {
    isListening: () => listening,
    subscribe: (tables, onChange) => {
      subscribers.push({ tables, onChange });
    },
  };
  return {
    feed,
    change: (table: ChangeTable) => subscribers.filter((s) => s.tables.includes(table)).forEach((s) => s.onChange()),
    setListening: (value: boolean) => {
      listening = value;
    },
  };
};

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((ok) => (resolve = ok));
  return { promise, resolve };
};

/** A read that counts its calls and answers the current value of `source`. */
const counted = (source: { value: { v: number } | undefined }) => {
  const calls = { count: 0 };
  return { calls, read: async () => ((calls.count += 1), source.value) };
};

describe('createCachedReads', () => {
  it('keeps a read until one of its tables changes, and only those tables', async () => {
    const { feed, change } = fakeFeed();
    const reads = createCachedReads<{ v: number }>({ changes: feed, tables: ['api_keys', 'tenants'], max: 10 });
    const source = { value: { v: 1 } as { v: number } | undefined };
    const { calls, read } = counted(source);

    expect(await reads('k', read)).toEqual({ v: 1 });
    expect(await reads('k', read)).toEqual({ v: 1 });
    expect(calls.count).toBe(1);

    source.value = { v: 2 };
    change('agents');
    expect(await reads('k', read)).toEqual({ v: 1 });
    change('tenants');
    expect(await reads('k', read)).toEqual({ v: 2 });
    expect(calls.count).toBe(2);
  });

  it('does not keep misses, so unknown keys neither stick nor push known ones out', async () => {
    const { feed } = fakeFeed();
    const reads = createCachedReads<{ v: number }>({ changes: feed, tables: ['api_keys'], max: 10 });
    const source = { value: undefined as { v: number } | undefined };
    const { calls, read } = counted(source);
    expect(await reads('k', read)).toBeUndefined();
    source.value = { v: 1 };
    expect(await reads('k', read)).toEqual({ v: 1 });
    expect(calls.count).toBe(2);
  });

  it('returns but does not keep a read during which a change committed, and later callers do not join it', async () => {
    const { feed, change } = fakeFeed();
    const reads = createCachedReads<{ v: number }>({ changes: feed, tables: ['agents'], max: 10 });
    const slow = deferred<{ v: number }>();
    const first = reads('k', () => slow.promise);
    change('agents');
    const fresh = { count: 0 };
    const second = reads('k', async () => ((fresh.count += 1), { v: 2 }));
    slow.resolve({ v: 1 });
    expect(await first).toEqual({ v: 1 });
    expect(await second).toEqual({ v: 2 });
    expect(fresh.count).toBe(1);
    // The read that saw the change was kept; the one from before it was not.
    expect(await reads('k', async () => ({ v: 3 }))).toEqual({ v: 2 });
  });

  it('keeps nothing without a feed or before the feed listens, but still shares reads in flight', async () => {
    const source = { value: { v: 1 } as { v: number } | undefined };
    const plain = counted(source);
    const withoutFeed = createCachedReads<{ v: number }>({ tables: ['agents'], max: 10 });
    await Promise.all([withoutFeed('k', plain.read), withoutFeed('k', plain.read)]);
    expect(plain.calls.count).toBe(1);
    await withoutFeed('k', plain.read);
    expect(plain.calls.count).toBe(2);

    const { feed, setListening } = fakeFeed();
    setListening(false);
    const early = counted(source);
    const beforeListening = createCachedReads<{ v: number }>({ changes: feed, tables: ['agents'], max: 10 });
    await beforeListening('k', early.read);
    setListening(true);
    await beforeListening('k', early.read);
    await beforeListening('k', early.read);
    expect(early.calls.count).toBe(2);
  });
});
