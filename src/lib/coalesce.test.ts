import { describe, expect, it } from 'vitest';

import { createCoalescer } from './coalesce.js';

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => ((resolve = ok), (reject = fail)));
  return { promise, resolve, reject };
};

describe('createCoalescer', () => {
  it('shares a read in flight among callers of the same key, and only while it runs', async () => {
    const coalesce = createCoalescer<string>();
    const reads: ReturnType<typeof deferred<string>>[] = [];
    const read = () => {
      reads.push(deferred<string>());
      return reads.at(-1)!.promise;
    };
    const first = coalesce('a', read);
    const second = coalesce('a', read);
    const other = coalesce('b', read);
    expect(reads).toHaveLength(2);
    reads[0]!.resolve('a1');
    reads[1]!.resolve('b1');
    expect(await Promise.all([first, second, other])).toEqual(['a1', 'a1', 'b1']);
    // Settled: the next caller reads again.
    const later = coalesce('a', read);
    expect(reads).toHaveLength(3);
    reads[2]!.resolve('a2');
    expect(await later).toBe('a2');
  });

  it('gives a failure to every caller that shared the read, and does not keep it', async () => {
    const coalesce = createCoalescer<string>();
    const failing = deferred<string>();
    const first = coalesce('a', () => failing.promise);
    const second = coalesce('a', () => Promise.resolve('unused'));
    failing.reject(new Error('database gone'));
    await expect(first).rejects.toThrow('database gone');
    await expect(second).rejects.toThrow('database gone');
    expect(await coalesce('a', () => Promise.resolve('fresh'))).toBe('fresh');
  });
});
