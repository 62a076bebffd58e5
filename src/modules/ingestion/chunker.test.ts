import { describe, expect, it } from 'vitest';

import { chunkDocument, estimateTokens } from './chunker.js';
import type { ParsedDocument, ParsedSection } from './parsers/index.js';

const documentOf = (...sections: ParsedSection[]): ParsedDocument => ({
  type: 'markdown',
  text: sections.map((section) => section.text).join('\n\n'),
  sections,
  metadata: {},
});

describe('estimateTokens', () => {
  it('counts ~4 Latin letters or ~2 other letters per token, each symbol and CJK character as one, whitespace as none', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('   \n\t')).toBe(0);
    expect(estimateTokens('the cat')).toBe(2);
    expect(estimateTokens('constitution')).toBe(3);
    expect(estimateTokens('Hello, world!')).toBe(6);
    expect(estimateTokens('阿富汗')).toBe(3);
    expect(estimateTokens('Афганистан')).toBe(5);
    expect(estimateTokens('| --- | --- |')).toBe(5);
  });
});

describe('chunkDocument', () => {
  it('keeps a short section whole, with its heading path', () => {
    const chunks = chunkDocument(documentOf({ headings: ['Guide', 'Install'], text: 'Run the installer. Then restart.' }), {
      chunkSize: 100,
      chunkOverlap: 10,
    });
    expect(chunks).toEqual([{ ordinal: 0, content: 'Run the installer. Then restart.', headings: ['Guide', 'Install'], tokenCount: 10 }]);
  });

  it('ends chunks at paragraph boundaries before sentence or word boundaries', () => {
    const first = 'Alpha beta gamma delta. Epsilon zeta eta theta.';
    const second = 'Iota kappa lambda mu. Nu xi omicron pi.';
    const chunks = chunkDocument(documentOf({ headings: [], text: `${first}\n\n${second}` }), { chunkSize: 22, chunkOverlap: 0 });
    expect(chunks.map((chunk) => chunk.content)).toEqual([first, second]);
  });

  it('prefers a sentence boundary to cutting mid-sentence, and repeats the last sentence as overlap', () => {
    const text = 'One two three four. Five six seven eight. Nine ten eleven twelve. Thirteen fourteen. Fifteen sixteen seventeen eighteen.';
    const chunks = chunkDocument(documentOf({ headings: ['H'], text }), { chunkSize: 14, chunkOverlap: 7 });
    for (const chunk of chunks) expect(chunk.content).toMatch(/\.$/);
    expect(chunks.map((chunk) => chunk.content)).toEqual([
      'One two three four. Five six seven eight.',
      'Five six seven eight. Nine ten eleven twelve.',
      'Nine ten eleven twelve. Thirteen fourteen.',
      // The last sentence fits only without overlap: the overlap gives way rather than split it or start mid-sentence.
      'Fifteen sixteen seventeen eighteen.',
    ]);
    expect(chunks.every((chunk) => chunk.headings[0] === 'H' && chunk.tokenCount <= 14)).toBe(true);
  });

  it('numbers chunks across sections and never mixes two sections in one chunk', () => {
    const chunks = chunkDocument(
      documentOf({ headings: ['A'], text: 'First section text.' }, { headings: ['B'], text: 'Second section text.' }),
      { chunkSize: 50, chunkOverlap: 5 },
    );
    expect(chunks.map((chunk) => [chunk.ordinal, chunk.headings[0], chunk.content])).toEqual([
      [0, 'A', 'First section text.'],
      [1, 'B', 'Second section text.'],
    ]);
  });

  it('gives an unsplittable word its own oversize chunk rather than cutting it', () => {
    const url = `https://example.com/${'x'.repeat(200)}`;
    const chunks = chunkDocument(documentOf({ headings: [], text: `See ${url} for details.` }), { chunkSize: 10, chunkOverlap: 0 });
    expect(chunks.map((chunk) => chunk.content)).toEqual(['See', url, 'for details.']);
    expect(chunks[1]?.tokenCount).toBeGreaterThan(10);
  });

  it('splits text without spaces (Chinese) at ICU word boundaries and loses nothing', () => {
    const text = '阿富汗伊斯兰共和国是一个位于南亚的内陆国家首都是喀布尔'.repeat(3);
    const chunks = chunkDocument(documentOf({ headings: [], text }), { chunkSize: 8, chunkOverlap: 0 });
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.every((chunk) => chunk.tokenCount <= 8)).toBe(true);
    expect(chunks.map((chunk) => chunk.content).join('')).toBe(text);
  });

  it('keeps a table whole when it fits, next to the prose around it', () => {
    const table = '| Team | Cups |\n| --- | --- |\n| Blues | 1 |\n| Flyers | 2 |';
    const chunks = chunkDocument(documentOf({ headings: ['Cups'], text: `Before.\n\n${table}\n\nAfter.` }), { chunkSize: 200, chunkOverlap: 20 });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.content).toBe(`Before.\n\n${table}\n\nAfter.`);
  });

  it('splits a large table by rows, repeating the header row in every chunk and never as overlap', () => {
    const header = '| Country | Capital | Dial |\n| --- | --- | --- |';
    const rows = Array.from({ length: 60 }, (_, index) => `| Country${index} | City${index} | ${index} |`);
    const chunks = chunkDocument(documentOf({ headings: ['Countries'], text: `${header}\n${rows.join('\n')}` }), {
      chunkSize: 80,
      chunkOverlap: 30,
    });
    expect(chunks.length).toBeGreaterThan(3);
    const seenRows: string[] = [];
    for (const chunk of chunks) {
      expect(chunk.tokenCount).toBeLessThanOrEqual(80);
      expect(chunk.content.startsWith(header)).toBe(true);
      seenRows.push(...chunk.content.split('\n').slice(2));
    }
    expect(seenRows).toEqual(rows);
  });

  it('falls back to prose for a table row too large for any chunk', () => {
    const header = '| Name | Notes |\n| --- | --- |';
    const longRow = `| Big | ${'word '.repeat(60).trim()} |`;
    const chunks = chunkDocument(documentOf({ headings: [], text: `${header}\n| Small | ok |\n${longRow}` }), { chunkSize: 20, chunkOverlap: 0 });
    expect(chunks.every((chunk) => chunk.tokenCount <= 20)).toBe(true);
    expect(chunks.map((chunk) => chunk.content).join(' ')).toContain('| Small | ok |');
  });

  it('rejects impossible options', () => {
    const document = documentOf({ headings: [], text: 'x' });
    expect(() => chunkDocument(document, { chunkSize: 0, chunkOverlap: 0 })).toThrow(RangeError);
    expect(() => chunkDocument(document, { chunkSize: 10, chunkOverlap: 10 })).toThrow(RangeError);
    expect(() => chunkDocument(document, { chunkSize: 10.5, chunkOverlap: 1 })).toThrow(RangeError);
  });
});

describe('chunkDocument scale', () => {
  it('chunks a 1M-character single paragraph in linear time', () => {
    const text = Array.from({ length: 200_000 }, (_, index) => `w${index % 997}`).join(' ');
    const started = performance.now();
    const chunks = chunkDocument(documentOf({ headings: [], text }), { chunkSize: 256, chunkOverlap: 32 });
    expect(chunks.length).toBeGreaterThan(800); // 200k one-token words, 224 new tokens per chunk
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
