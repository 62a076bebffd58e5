import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';

import { ParseError, parseDocument } from './index.js';

/** A small price list workbook written by exceljs itself: a title row, a formula, a date, and a wide second sheet. */
const priceListWorkbook = async (): Promise<Uint8Array> => {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Ops Team';
  workbook.title = 'Price list 2026';
  const prices = workbook.addWorksheet('Prices');
  prices.addRow(['Spring price list']);
  prices.addRow(['Item', 'Price', 'In stock', 'Updated']);
  prices.addRow(['Juicy Apples', 1.99, 739, new Date(Date.UTC(2026, 2, 1))]);
  prices.addRow(['Bananas | ripe', 1.89, 6, new Date(Date.UTC(2026, 2, 2))]);
  prices.addRow(['Total stock', null, { formula: 'C3+C4', result: 745 }, null]);
  const wide = workbook.addWorksheet('Countries');
  const columns = Array.from({ length: 12 }, (_, index) => `Field ${index + 1}`);
  wide.addRow(['Name', ...columns]);
  wide.addRow(['Åland Islands', ...columns.map((_, index) => (index === 3 ? '' : `v${index + 1}`))]);
  wide.addRow(['阿富汗', ...columns.map((_, index) => `w${index + 1}`)]);
  workbook.addWorksheet('Empty');
  return new Uint8Array(await workbook.xlsx.writeBuffer());
};

describe('XLSX parsing (exceljs)', () => {
  it('makes each sheet a section with its rows as a readable table', async () => {
    const document = await parseDocument({ bytes: await priceListWorkbook(), filename: 'prices.xlsx' });
    expect(document.type).toBe('xlsx');
    expect(document.metadata).toEqual({ title: 'Price list 2026', author: 'Ops Team' });
    expect(document.sections.map((section) => section.headings)).toEqual([['Prices', 'Spring price list'], ['Countries']]);
    const prices = document.sections[0]?.text ?? '';
    expect(prices.split('\n').slice(0, 3)).toEqual(['| Item | Price | In stock | Updated |', '| --- | --- | --- | --- |', expect.stringMatching(/^\| Juicy Apples \| 1\.99 \| 739 \| .*2026/)]);
    expect(prices).toContain('| Bananas \\| ripe | 1.89 | 6 |');
    expect(prices).toContain('| Total stock |  | 745 |  |');
  });

  it('writes rows of wide sheets as column: value records, skipping empty cells', async () => {
    const document = await parseDocument({ bytes: await priceListWorkbook(), filename: 'prices.xlsx' });
    const countries = document.sections[1]?.text ?? '';
    expect(countries.split('\n\n')).toHaveLength(2);
    expect(countries).toContain('Name: Åland Islands; Field 1: v1; Field 2: v2; Field 3: v3; Field 5: v5');
    expect(countries).toContain('Name: 阿富汗; Field 1: w1');
    expect(document.text).toContain('## Countries');
  });

  it('rejects a damaged workbook as corrupt', async () => {
    const bytes = await priceListWorkbook();
    const error = await parseDocument({ bytes: bytes.slice(0, Math.floor(bytes.length / 2)), filename: 'cut.xlsx' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).reason).toBe('corrupt');
  });
});
