import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

import { AppError } from '../../lib/errors.js';
import { sha256Hex } from '../../lib/crypto.js';

export type AccountLimiter = {
  /** Throws RATE_LIMIT_EXCEEDED once `max` attempts were counted for the key within the window. */
  assertAllowed: (key: string) => Promise<void>;
  /** Counts one attempt (a failed sign-in, a reset request, a registration). */
  hit: (key: string) => Promise<void>;
  /** Clears the count (a successful sign-in). */
  reset: (key: string) => Promise<void>;
};

const exceeded = (windowMs: number) =>
  new AppError('RATE_LIMIT_EXCEEDED', 'Too many attempts for this account: try again later', { retryAfterSeconds: Math.ceil(windowMs / 1000) });

/**
 * Per-account brute-force counting, next to the per-IP 'auth' rate limit: a botnet spreading guesses over many
 * addresses still hits the account's ceiling. Keys are hashed so Redis never holds e-mail addresses. Redis when
 * configured (shared by every instance); otherwise an in-process LRU with a TTL.
 */
export const createAccountLimiter = (deps: { redis?: Redis; max: number; windowMs: number }): AccountLimiter => {
  const keyOf = (key: string) => `switchboard:account-limit:${sha256Hex(key.toLowerCase())}`;
  const { redis, max, windowMs } = deps;

  if (redis) {
    return {
      assertAllowed: async (key) => {
        if (Number((await redis.get(keyOf(key))) ?? 0) >= max) throw exceeded(windowMs);
      },
      hit: async (key) => {
        const count = await redis.incr(keyOf(key));
        if (count === 1) await redis.pexpire(keyOf(key), windowMs);
      },
      reset: async (key) => {
        await redis.del(keyOf(key));
      },
    };
  }

  const counts = new LRUCache<string, number>({ max: 100_000, ttl: windowMs, updateAgeOnGet: false });
  return {
    assertAllowed: async (key) => {
      if ((counts.get(keyOf(key)) ?? 0) >= max) throw exceeded(windowMs);
    },
    hit: async (key) => {
      const current = counts.get(keyOf(key));
      // Keep the window's original expiry: counting an attempt must not extend it.
      if (current === undefined) counts.set(keyOf(key), 1);
      else counts.set(keyOf(key), current + 1, { ttl: counts.getRemainingTTL(keyOf(key)) });
    },
    reset: async (key) => {
      counts.delete(keyOf(key));
    },
  };
};
