const filled = (row: string[]): number => row.filter((cell) => cell.trim() !== '').length;

/**
 * Spreadsheets and exports often start with a title row ("Stanley Cups,,") above the real header. Leading rows
 * with a single filled cell, followed by a row with several, are titles: they are lifted out of the table.
 */
export const splitTitleRows = (rows: string[][]): { titles: string[]; rows: string[][] } => {
  const titles: string[] = [];
  let start = 0;
  while (start < rows.length - 1 && filled(rows[start] ?? []) === 1 && filled(rows[start + 1] ?? []) > 1) {
    titles.push((rows[start] ?? []).find((cell) => cell.trim() !== '')?.trim() ?? '');
    start++;
  }
  return { titles, rows: rows.slice(start) };
};
