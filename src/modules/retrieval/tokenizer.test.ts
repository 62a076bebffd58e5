import { describe, expect, it } from 'vitest';

import { matchesTerm, tokenize } from './tokenizer.js';

describe('tokenize', () => {
  it('folds case and diacritics, drops stop words, stems words and keeps numbers', () => {
    expect(tokenize('The Refunds are PAID within 30 days')).toEqual(['refund', 'paid', 'within', '30', 'dai']);
    expect(tokenize('Café résumé')).toEqual(tokenize('cafe resume'));
  });

  it('splits on punctuation and symbols, so hyphenated and dotted forms meet their parts', () => {
    expect(tokenize('IL-6 e-mail v2.1')).toEqual(['il', '6', 'e', 'mail', 'v2', '1']);
  });

  it('gives the same stem to inflections', () => {
    expect(tokenize('connection connected connecting connections')).toEqual(['connect', 'connect', 'connect', 'connect']);
  });

  it('ignores over-long tokens and empty input', () => {
    expect(tokenize(`${'x'.repeat(41)} ok`)).toEqual(['ok']);
    expect(tokenize('  ,;  ')).toEqual([]);
  });

  it('matches a surface word against stems', () => {
    const terms = new Set(tokenize('refund'));
    expect(matchesTerm('Refunds', terms)).toBe(true);
    expect(matchesTerm('card', terms)).toBe(false);
    expect(matchesTerm('the', new Set(['the']))).toBe(false);
  });
});
