import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { chunkDocument, estimateTokens } from './chunker.js';
import type { ParsedDocument } from './parsers/index.js';

/**
 * Random prose whose every word is unique (a counter suffix), so each chunk word can be located in the source:
 * that makes "covers all text, in order, with only overlap repeated" an exact check.
 */
const wordStem = fc.oneof(
  { weight: 20, arbitrary: fc.stringMatching(/^[a-zA-Zéü]{1,12}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{40,120}$/) }, // longer than small chunks: unsplittable
);
const separator = fc.constantFrom(' ', ' ', ' ', ' ', '. ', '? ', '\n', '\n\n', ',  ');
const sectionText = fc
  .array(fc.tuple(wordStem, separator), { minLength: 1, maxLength: 150 })
  .map((pairs) => pairs.map(([stem, sep], index) => `${stem}${index}${sep}`).join(''));
const documentArb = fc.array(sectionText, { minLength: 1, maxLength: 4 }).map(
  (texts): ParsedDocument => ({
    type: 'txt',
    text: texts.join('\n\n'),
    sections: texts.map((text, index) => ({ headings: [`section ${index}`], text })),
    metadata: {},
  }),
);
const optionsArb = fc
  .integer({ min: 1, max: 120 })
  .chain((chunkSize) => fc.record({ chunkSize: fc.constant(chunkSize), chunkOverlap: fc.integer({ min: 0, max: chunkSize - 1 }) }));

const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

describe('chunkDocument properties', () => {
  it('chunks fit the size (unless one unsplittable word), cover every word in order, and overlap within the limit', () => {
    fc.assert(
      fc.property(documentArb, optionsArb, (document, options) => {
        const chunks = chunkDocument(document, options);
        expect(chunks.map((chunk) => chunk.ordinal)).toEqual(chunks.map((_, index) => index));
        document.sections.forEach((section, sectionIndex) => {
          const source = words(section.text);
          const position = new Map(source.map((word, index) => [word, index]));
          let covered = 0;
          for (const chunk of chunks.filter((candidate) => candidate.headings[0] === `section ${sectionIndex}`)) {
            expect(chunk.headings).toEqual(section.headings);
            expect(chunk.tokenCount).toBe(estimateTokens(chunk.content));
            const chunkWords = words(chunk.content);
            if (chunk.tokenCount > options.chunkSize) expect(chunkWords).toHaveLength(1);
            // Every chunk word is a whole source word, consecutive, starting no later than the covered frontier.
            const first = position.get(chunkWords[0] ?? '');
            expect(first).toBeDefined();
            expect(chunkWords).toEqual(source.slice(first, (first ?? 0) + chunkWords.length));
            expect(first).toBeLessThanOrEqual(covered);
            const overlap = source.slice(first, covered).join(' ');
            expect(estimateTokens(overlap)).toBeLessThanOrEqual(options.chunkOverlap);
            expect((first ?? 0) + chunkWords.length).toBeGreaterThan(covered);
            covered = (first ?? 0) + chunkWords.length;
          }
          expect(covered).toBe(source.length);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('puts a whole table in one chunk when it fits, else every row exactly once under a repeated header', () => {
    const cell = fc.stringMatching(/^[a-z0-9]{1,10}$/);
    const tableArb = fc.integer({ min: 2, max: 5 }).chain((columns) =>
      fc.record({
        header: fc.array(cell, { minLength: columns, maxLength: columns }),
        rows: fc.array(fc.array(cell, { minLength: columns, maxLength: columns }), { minLength: 1, maxLength: 40 }),
      }),
    );
    fc.assert(
      fc.property(tableArb, fc.integer({ min: 25, max: 200 }), ({ header, rows }, chunkSize) => {
        const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
        const headerLines = [line(header), line(header.map(() => '---'))];
        const rowLines = rows.map((row, index) => line([`r${index}`, ...row.slice(1)]));
        const text = [...headerLines, ...rowLines].join('\n');
        const chunks = chunkDocument({ type: 'csv', text, sections: [{ headings: [], text }], metadata: {} }, { chunkSize, chunkOverlap: 10 });
        if (estimateTokens(text) <= chunkSize) expect(chunks.map((chunk) => chunk.content)).toEqual([text]);
        const seen: string[] = [];
        for (const chunk of chunks) {
          const lines = chunk.content.split('\n');
          if (chunk.tokenCount <= chunkSize && lines[0] === headerLines[0]) {
            expect(lines[1]).toBe(headerLines[1]);
            seen.push(...lines.slice(2));
          } else seen.push(chunk.content); // a row too wide for header + row, chunked as prose
        }
        expect(seen.join('\n').replace(/\s+/g, ' ')).toBe(rowLines.join('\n').replace(/\s+/g, ' '));
      }),
      { numRuns: 200 },
    );
  });
});

describe('estimateTokens properties', () => {
  it('the ASCII fast path agrees with the Unicode rules (a non-ASCII suffix forces the Unicode path)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 200 }), (text) => {
        expect(estimateTokens(`${text} é`)).toBe(estimateTokens(text) + 1);
      }),
      { numRuns: 2000 },
    );
  });

  it('never counts a whole as more than the sum of its whitespace-separated parts', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 30 }), { maxLength: 20 }), (parts) => {
        expect(estimateTokens(parts.join(' '))).toBeLessThanOrEqual(parts.reduce((sum, part) => sum + estimateTokens(part), 0));
      }),
      { numRuns: 1000 },
    );
  });
});
