import { describe, expect, it } from 'vitest';

import { buildSnippet } from './snippet.js';
import { tokenize } from './tokenizer.js';

const terms = (query: string) => new Set(tokenize(query));

describe('buildSnippet', () => {
  it('marks every word whose stem matches, keeping the original spelling', () => {
    expect(buildSnippet('Refunds are refunded to the card.', terms('refund'))).toBe('<mark>Refunds</mark> are <mark>refunded</mark> to the card.');
  });

  it('escapes HTML in the text around and inside marks', () => {
    const snippet = buildSnippet('<b>refund</b> & "more"', terms('refund'));
    expect(snippet).toBe('&lt;b&gt;<mark>refund</mark>&lt;/b&gt; &amp; &quot;more&quot;');
  });

  it('centres a long text on the densest run of matches, with ellipses', () => {
    const text = `${'Filler words here. '.repeat(40)}The warranty covers defects; the warranty excludes damage. ${'More filler. '.repeat(40)}`;
    const snippet = buildSnippet(text, terms('warranty damage'));
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet.match(/<mark>/g)).toHaveLength(3);
    expect(snippet.replace(/<\/?mark>/g, '').length).toBeLessThanOrEqual(242);
  });

  it('marks by each call\'s own terms: words seen before are remembered with their stems, not their matches', () => {
    expect(buildSnippet('The refund policy', terms('refund'))).toBe('The <mark>refund</mark> policy');
    expect(buildSnippet('The refund policy', terms('policies'))).toBe('The refund <mark>policy</mark>');
    const long = `refund${'s'.repeat(60)}`;
    expect(buildSnippet(`${long} refund`, terms('refund'))).toBe(`${long} <mark>refund</mark>`);
  });

  it('returns the start of the text when nothing matches', () => {
    expect(buildSnippet('Plain text without hits.', terms('zebra'))).toBe('Plain text without hits.');
  });
});
