import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { backoffDelayMs } from './backoff.js';

describe('backoffDelayMs', () => {
  it('doubles per attempt between half and all of the exponential delay', () => {
    expect(backoffDelayMs(1, { baseMs: 100, maxMs: 10_000 }, () => 0)).toBe(50);
    expect(backoffDelayMs(1, { baseMs: 100, maxMs: 10_000 }, () => 1)).toBe(100);
    expect(backoffDelayMs(4, { baseMs: 100, maxMs: 10_000 }, () => 0)).toBe(400);
    expect(backoffDelayMs(4, { baseMs: 100, maxMs: 10_000 }, () => 1)).toBe(800);
  });

  it('never exceeds the cap and never goes below half of it once capped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const delay = backoffDelayMs(attempt, { baseMs: 1000, maxMs: 60_000 }, () => r);
        expect(delay).toBeGreaterThanOrEqual(500);
        expect(delay).toBeLessThanOrEqual(60_000);
      }),
    );
  });
});
