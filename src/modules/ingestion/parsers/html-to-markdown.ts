import { strikethrough, taskListItems } from '@joplin/turndown-plugin-gfm';
import TurndownService from 'turndown';

import { renderTable } from './text-table.js';

type DomNode = TurndownService.Node;

const BLOCK_TAGS = new Set(['P', 'DIV', 'LI', 'BR', 'TR', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'UL', 'OL', 'SECTION']);

/** Cell text with nested tables flattened ("e f; g h") and block children separated by spaces. */
const cellText = (node: DomNode): string => {
  if (node.nodeType === 3) return node.nodeValue ?? '';
  if (node.nodeName === 'TABLE') return tableRows(node).map((row) => row.join(' ')).join('; ');
  const inner = [...node.childNodes].map((child) => cellText(child as DomNode)).join('');
  return BLOCK_TAGS.has(node.nodeName) ? ` ${inner} ` : inner;
};

const ownRows = (table: DomNode): DomNode[] => {
  const rows: DomNode[] = [];
  const visit = (node: DomNode): void => {
    for (const child of [...node.childNodes] as DomNode[]) {
      if (child.nodeName === 'TR') rows.push(child);
      else if (['THEAD', 'TBODY', 'TFOOT'].includes(child.nodeName)) visit(child);
    }
  };
  visit(table);
  return rows;
};

/**
 * Grid of cell texts. A rowspan repeats its text in each row it covers, so every row reads on its own when the
 * chunker splits the table by rows; a colspan fills only its first column (repeating it across a row is just noise).
 */
const tableRows = (table: DomNode): string[][] => {
  const grid: string[][] = [];
  ownRows(table).forEach((row, rowIndex) => {
    grid[rowIndex] ??= [];
    let column = 0;
    for (const cell of [...row.childNodes] as DomNode[]) {
      if (cell.nodeName !== 'TD' && cell.nodeName !== 'TH') continue;
      while (grid[rowIndex]?.[column] !== undefined) column++;
      const element = cell as unknown as HTMLElement;
      const rowSpan = Math.min(Math.max(Number(element.getAttribute('rowspan')) || 1, 1), 100);
      const colSpan = Math.min(Math.max(Number(element.getAttribute('colspan')) || 1, 1), 100);
      const text = cellText(cell).replace(/\s+/g, ' ').trim();
      for (let r = 0; r < rowSpan; r++) {
        const target = (grid[rowIndex + r] ??= []);
        for (let c = 0; c < colSpan; c++) target[column + c] = c === 0 ? text : '';
      }
      column += colSpan;
    }
  });
  return grid.map((row) => [...row].map((cell) => cell ?? ''));
};

/** Not content: scripts, embedded objects and interactive controls. */
const REMOVED_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'IFRAME', 'OBJECT', 'SVG', 'svg', 'CANVAS', 'BUTTON']);

const isInsideTable = (node: DomNode): boolean => {
  for (let parent = node.parentNode; parent; parent = parent.parentNode) if (parent.nodeName === 'TABLE') return true;
  return false;
};

const createTurndown = (): TurndownService => {
  const service = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '*' });
  service.use([strikethrough, taskListItems]);
  // Markdown escapes ("1\.", "\>") are noise in knowledge text read by models and people.
  service.escape = (text: string) => text;
  service.remove((node) => REMOVED_TAGS.has(node.nodeName));
  service.addRule('table', {
    filter: (node) => node.nodeName === 'TABLE' && !isInsideTable(node),
    replacement: (_content, node) => `\n\n${renderTable(tableRows(node))}\n\n`,
  });
  // Link targets are returned separately (extractHtmlContent().links); in the text they are only token noise.
  service.addRule('linkText', { filter: 'a', replacement: (content) => content });
  service.addRule('imageAlt', {
    filter: 'img',
    replacement: (_content, node) => ((node as HTMLElement).getAttribute('alt') ?? '').trim(),
  });
  return service;
};

const turndown = createTurndown();

/** Trims line ends and collapses the blank-line runs turndown leaves behind (removed elements, empty paragraphs). */
export const htmlToMarkdown = (html: string): string =>
  turndown
    .turndown(html)
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
