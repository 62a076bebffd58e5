import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { parseDocument } from './index.js';

const FIXTURES = new URL('../../../../test/fixtures/docs/csv/', import.meta.url);
const parseFixture = (name: string) => parseDocument({ bytes: new Uint8Array(readFileSync(new URL(name, FIXTURES))), filename: name });

describe('CSV parsing (papaparse)', () => {
  it('sniffs a semicolon delimiter and keeps commas inside fields', async () => {
    const document = await parseFixture('semicolon-delimited.csv');
    expect(document.text.split('\n')).toEqual([
      '| Lorem, ipsum | dolor sit | amet |',
      '| --- | --- | --- |',
      '| consectetur | adipiscing | elit |',
      '| sed, do | eiusmod | tempor incididunt |',
      '| ut labore | et, dolore | magna aliqua |',
      '| Ut enim | ad minim | veniam, quis |',
    ]);
  });

  it('lifts a title row above the header into the title and heading path', async () => {
    const document = await parseFixture('stanley-cups.csv');
    expect(document.metadata.title).toBe('Stanley Cups');
    expect(document.sections).toEqual([
      {
        headings: ['Stanley Cups'],
        text: '| Team | Location | Stanley Cups |\n| --- | --- | --- |\n| Blues | STL | 1 |\n| Flyers | PHI | 2 |\n| Maple Leafs | TOR | 13 |',
      },
    ]);
  });

  it('writes each row of a wide multilingual file (header + 249 rows x 56 columns) as one self-describing record', async () => {
    const document = await parseFixture('country-codes.csv');
    const records = document.text.split('\n\n');
    expect(records).toHaveLength(249);
    const afghanistan = records.find((record) => record.startsWith('FIFA: AFG;')) ?? '';
    expect(afghanistan).toContain('official_name_en: Afghanistan;');
    expect(afghanistan).toContain('UNTERM Chinese Short: 阿富汗;');
    expect(afghanistan).toContain('UNTERM Russian Short: Афганистан;');
    expect(afghanistan).toContain('official_name_ar: أفغانستان;');
    expect(afghanistan).toContain('Capital: Kabul;');
    // Empty cells are left out instead of rendering as "Column: ".
    expect(afghanistan).not.toContain('Intermediate Region Code:');
  });

  it('handles tabs, quoted newlines and a UTF-8 BOM', async () => {
    const csv = '\uFEFFname\tnote\nAda\t"first line\nsecond line"\nLinus\tkernel\n';
    const document = await parseDocument({ bytes: new TextEncoder().encode(csv), filename: 'people.tsv' });
    expect(document.text).toBe('| name | note |\n| --- | --- |\n| Ada | first line second line |\n| Linus | kernel |');
  });
});
