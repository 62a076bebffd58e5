/** Tables wider than this read better as one `column: value` record per row than as a pipe table. */
export const MAX_PIPE_TABLE_COLUMNS = 10;

const cleanCell = (cell: string): string => cell.replace(/\s+/g, ' ').trim();

/** Drops rows and columns that are empty everywhere (spreadsheets and layout tables are full of them). */
const compact = (rows: string[][]): string[][] => {
  const cleaned = rows.map((row) => row.map(cleanCell)).filter((row) => row.some((cell) => cell !== ''));
  const width = cleaned.reduce((widest, row) => Math.max(widest, row.length), 0);
  const keep = [...Array(width).keys()].filter((column) => cleaned.some((row) => (row[column] ?? '') !== ''));
  return cleaned.map((row) => keep.map((column) => row[column] ?? ''));
};

const pipeRow = (cells: string[]): string => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;

/**
 * Renders a table as readable text. The first row is the header. Narrow tables become GitHub pipe tables (the
 * chunker repeats their header row when it has to split them); wide tables become one record per row naming each
 * column, so every row stays understandable on its own; single-column tables become plain lines.
 */
export const renderTable = (rawRows: string[][]): string => {
  const rows = compact(rawRows);
  const [header, ...body] = rows;
  if (!header) return '';
  if (header.length <= 1) return rows.map((row) => row[0] ?? '').join('\n');
  if (header.length > MAX_PIPE_TABLE_COLUMNS) {
    return body
      .map((row) =>
        row
          .map((cell, column) => (cell ? `${header[column] || `Column ${column + 1}`}: ${cell}` : ''))
          .filter(Boolean)
          .join('; '),
      )
      .join('\n\n');
  }
  return [pipeRow(header), pipeRow(header.map(() => '---')), ...body.map(pipeRow)].join('\n');
};
