import ExcelJS from 'exceljs';

import { ParseError } from './parse-error.js';
import { renderTable } from './text-table.js';
import { splitTitleRows } from './title-rows.js';
import type { ParsedDocument, ParsedSection } from './types.js';

const sheetRows = (worksheet: ExcelJS.Worksheet): string[][] => {
  const rows: string[][] = [];
  worksheet.eachRow({ includeEmpty: false }, (row) => {
    const cells: string[] = [];
    // cell.text is what Excel shows: formula results, formatted dates, rich text flattened.
    row.eachCell({ includeEmpty: true }, (cell, column) => {
      cells[column - 1] = cell.text;
    });
    rows.push(Array.from(cells, (cell) => cell ?? ''));
  });
  return rows;
};

/** Each worksheet is a section (heading: sheet name, plus any title rows); its rows are a readable table. */
export const parseXlsx = async (bytes: Uint8Array): Promise<ParsedDocument> => {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer);
  } catch (error) {
    throw new ParseError('corrupt', `The spreadsheet cannot be read: ${(error as Error).message}`);
  }
  const sections: ParsedSection[] = [];
  const parts: string[] = [];
  for (const worksheet of workbook.worksheets) {
    const { titles, rows } = splitTitleRows(sheetRows(worksheet));
    const table = renderTable(rows);
    if (!table) continue;
    const headings = [worksheet.name, ...titles];
    sections.push({ headings, text: table });
    parts.push(`## ${worksheet.name}`, ...titles.map((title) => `### ${title}`), table);
  }
  return {
    type: 'xlsx',
    text: parts.join('\n\n'),
    sections,
    metadata: { title: workbook.title || undefined, author: workbook.creator || undefined },
  };
};
