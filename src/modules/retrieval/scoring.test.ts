import { describe, expect, it } from 'vitest';

import { expandQuery, fieldFrequencies, idf, queryTerms, reciprocalRankFusion, RM3, RRF_K } from './scoring.js';

describe('scoring pieces', () => {
  it('weights repeated query terms by their count', () => {
    expect(queryTerms(['a', 'b', 'a'])).toEqual([{ term: 'a', weight: 2 }, { term: 'b', weight: 1 }]);
  });

  it('counts term frequencies per field', () => {
    const frequencies = fieldFrequencies(['refund'], ['refund', 'card', 'refund']);
    expect(frequencies.get('refund')).toEqual({ titleTf: 1, bodyTf: 2 });
    expect(frequencies.get('card')).toEqual({ titleTf: 0, bodyTf: 1 });
  });

  it('has a positive, decreasing idf', () => {
    expect(idf(100, 1)).toBeGreaterThan(idf(100, 50));
    expect(idf(100, 100)).toBeGreaterThan(0);
  });

  it('expands a query with feedback terms but keeps most weight on the original terms', () => {
    const original = [{ term: 'refund', weight: 1 }];
    const feedback = [
      { score: 5, length: 4, terms: [{ term: 'refund', tf: 1, df: 2 }, { term: 'card', tf: 2, df: 3 }, { term: 'dai', tf: 1, df: 90 }] },
      { score: 1, length: 2, terms: [{ term: 'noise', tf: 2, df: 1 }] },
    ];
    const expanded = new Map(expandQuery(original, feedback, 100).map((t) => [t.term, t.weight]));
    expect([...expanded.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1);
    expect(expanded.get('refund')!).toBeGreaterThan(1 - RM3.expansionWeight);
    expect(expanded.get('card')!).toBeGreaterThan(expanded.get('dai')!);
    // The weaker feedback chunk counts far less (its likelihood is e^-4 of the best one's).
    expect(expanded.get('noise')!).toBeLessThan(expanded.get('card')!);
    expect(expandQuery(original, [], 100)).toEqual(original);
  });

  it('fuses rankings by reciprocal rank', () => {
    const fused = reciprocalRankFusion([['a', 'b'], ['b', 'c']]);
    expect(fused.get('b')).toBeCloseTo(1 / (RRF_K + 2) + 1 / (RRF_K + 1));
    expect(fused.get('a')).toBeCloseTo(1 / (RRF_K + 1));
    expect([...fused].sort((x, y) => y[1] - x[1])[0]![0]).toBe('b');
  });
});
