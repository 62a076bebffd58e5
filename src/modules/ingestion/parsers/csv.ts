import Papa from 'papaparse';

import { ParseError } from './parse-error.js';
import { renderTable } from './text-table.js';
import { splitTitleRows } from './title-rows.js';
import type { ParsedDocument } from './types.js';

/**
 * papaparse guesses the delimiter from the first rows (the candidate giving the most consistent field count);
 * the first row after any title rows is the header.
 */
export const parseCsv = (source: string): ParsedDocument => {
  const result = Papa.parse<string[]>(source, {
    skipEmptyLines: 'greedy',
    delimitersToGuess: [',', ';', '\t', '|'],
  });
  const fatal = result.errors.find((error) => error.type === 'Quotes');
  if (fatal && result.data.length === 0) throw new ParseError('corrupt', `The CSV cannot be read: ${fatal.message}`);
  const { titles, rows } = splitTitleRows(result.data);
  const title = titles.join(' ') || undefined;
  const table = renderTable(rows);
  const text = [...titles.map((line) => `# ${line}`), table].filter(Boolean).join('\n\n');
  return {
    type: 'csv',
    text,
    sections: table ? [{ headings: titles, text: table }] : [],
    metadata: { title },
  };
};
