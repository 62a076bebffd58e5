import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { chunkDocument } from './chunker.js';
import { parseDocument } from './parsers/index.js';

const FIXTURES = new URL('../../../test/fixtures/docs/', import.meta.url);
const parseFixture = (path: string) =>
  parseDocument({ bytes: new Uint8Array(readFileSync(new URL(path, FIXTURES))), filename: path.split('/').at(-1) ?? path });

describe('chunking real documents', () => {
  it('chunks the constitution within size, each chunk under its article and section', async () => {
    const document = await parseFixture('pdf/us_constitution.pdf');
    const chunks = chunkDocument(document, { chunkSize: 256, chunkOverlap: 32 });
    expect(chunks.length).toBeGreaterThan(60);
    expect(chunks.every((chunk) => chunk.tokenCount <= 256)).toBe(true);
    const taxes = chunks.find((chunk) => chunk.content.includes('To lay and collect Taxes'));
    expect(taxes?.headings).toEqual(['CONSTITUTION', 'Article. I.', 'SECTION. 8.']);
    // Prose chunks end at sentence or paragraph ends whenever the section offers one in the second half of the chunk.
    const cleanEnds = chunks.filter((chunk) => /[.;:!?\]*)]$/.test(chunk.content)).length;
    expect(cleanEnds / chunks.length).toBeGreaterThan(0.8);
  });

  it('keeps every country record (237-756 estimated tokens) whole in one chunk when chunks can hold one', async () => {
    const document = await parseFixture('csv/country-codes.csv');
    const chunks = chunkDocument(document, { chunkSize: 760, chunkOverlap: 50 });
    const records = document.text.split('\n\n');
    for (const record of records) expect(chunks.some((chunk) => chunk.content.includes(record))).toBe(true);
  });

  it('keeps small DOCX tables whole', async () => {
    const document = await parseFixture('docx/docx-tables.docx');
    const chunks = chunkDocument(document, { chunkSize: 40, chunkOverlap: 5 });
    expect(chunks.some((chunk) => chunk.content.includes('| a | >b< | c |\n| --- | --- | --- |\n| d | e f; g&t h | i |\n| j | k | l |'))).toBe(true);
  });
});
