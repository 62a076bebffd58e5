import type { ParsedSection } from './types.js';

/** The subset of unpdf's StructuredTextItem the layout needs. */
export type PdfTextItem = { str: string; y: number; fontSize: number; hasEOL: boolean };

type Line = { text: string; y: number; size: number; page: number };
type Block = { kind: 'heading'; level: number; text: string; page: number } | { kind: 'paragraph'; text: string; page: number };

const HEADING_SIZE_RATIO = 1.2;
const MAX_HEADING_CHARS = 150;
const PARAGRAPH_GAP_RATIO = 1.3;

const roundSize = (size: number): number => Math.round(size * 2) / 2;

/** Items to lines: a new line after an end-of-line mark or when the baseline moves. */
const pageLines = (items: PdfTextItem[], page: number): Line[] => {
  const lines: Line[] = [];
  let current: Line | undefined;
  let breakNext = true;
  for (const item of items) {
    const sameLine = current && !breakNext && Math.abs(item.y - current.y) < Math.max(item.fontSize, 1) * 0.5;
    if (item.str !== '') {
      if (!sameLine || !current) {
        current = { text: '', y: item.y, size: 0, page };
        lines.push(current);
      }
      current.text += item.str;
      if (item.str.trim()) current.size = Math.max(current.size, item.fontSize);
    }
    breakNext = item.hasEOL;
  }
  // Private-use code points are font-specific glyphs with no meaning in text (this is how some PDFs draw spaces).
  return lines
    .map((line) => ({ ...line, text: line.text.replace(/[\p{Co}\p{Cc}]/gu, ' ').replace(/\s+/g, ' ').trim() }))
    .filter((line) => line.text);
};

/** The font size carrying most characters is the body size; clearly larger short lines are headings. */
const bodySize = (lines: Line[]): number => {
  const weight = new Map<number, number>();
  for (const line of lines) weight.set(roundSize(line.size), (weight.get(roundSize(line.size)) ?? 0) + line.text.length);
  return [...weight.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
};

/** Running headers/footers: the same text (digits ignored) on at least half of the pages, and bare page numbers. */
const furniture = (pages: Line[][]): Set<string> => {
  const key = (text: string): string => text.replace(/\d+/g, '#');
  const seenOn = new Map<string, number>();
  for (const lines of pages) for (const text of new Set(lines.map((line) => key(line.text)))) seenOn.set(text, (seenOn.get(text) ?? 0) + 1);
  const repeated = new Set<string>(['#']);
  if (pages.length >= 3) for (const [text, count] of seenOn) if (count >= pages.length / 2) repeated.add(text);
  return repeated;
};

const isFurniture = (line: Line, repeated: Set<string>): boolean => repeated.has(line.text.replace(/\d+/g, '#'));

/** Words hyphenated across lines ("Sen-" + "ate") are joined; other lines of a paragraph join with a space. */
const joinLines = (left: string, right: string): string =>
  /^\p{Ll}-$/u.test(left.slice(-2)) && /^\p{Ll}/u.test(right) ? left.slice(0, -1) + right : `${left} ${right}`;

/** Heading levels: distinct heading sizes (within 5%), largest first. */
const levelsBySize = (sizes: number[]): ((size: number) => number) => {
  const clusters: number[] = [];
  for (const size of [...new Set(sizes)].sort((a, b) => b - a)) {
    const last = clusters.at(-1);
    if (last === undefined || size < last * 0.95) clusters.push(size);
  }
  return (size) => {
    const index = clusters.findIndex((cluster) => size >= cluster * 0.95);
    return (index === -1 ? clusters.length : index) + 1;
  };
};

const toBlocks = (pages: Line[][]): Block[] => {
  const all = pages.flat();
  const body = bodySize(all);
  const repeated = furniture(pages);
  const isHeading = (line: Line): boolean =>
    body > 0 && line.size >= body * HEADING_SIZE_RATIO && line.text.length <= MAX_HEADING_CHARS && /\p{L}.*\p{L}/u.test(line.text);
  const levelOf = levelsBySize(all.filter(isHeading).map((line) => roundSize(line.size)));
  const blocks: Block[] = [];
  for (const lines of pages) {
    const gaps = lines.slice(1).map((line, index) => (lines[index]?.y ?? 0) - line.y).filter((gap) => gap > 0);
    const spacing = gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
    let previous: Line | undefined;
    for (const line of lines) {
      if (isFurniture(line, repeated)) continue;
      const last = blocks.at(-1);
      if (isHeading(line)) {
        const level = levelOf(roundSize(line.size));
        // A heading wrapped over two lines arrives as two lines of the same size.
        if (last?.kind === 'heading' && last.level === level && last.page === line.page) last.text = `${last.text} ${line.text}`;
        else blocks.push({ kind: 'heading', level, text: line.text, page: line.page });
      } else {
        const gap = previous ? previous.y - line.y : 0;
        const continues = last?.kind === 'paragraph' && previous && !isHeading(previous) && (spacing === 0 || gap <= spacing * PARAGRAPH_GAP_RATIO);
        if (continues && last?.kind === 'paragraph') last.text = joinLines(last.text, line.text);
        else blocks.push({ kind: 'paragraph', text: line.text, page: line.page });
      }
      previous = line;
    }
  }
  return blocks;
};

/** Reading-order text and heading sections of a PDF, from font sizes and line spacing. */
export const layoutPdf = (pagesItems: PdfTextItem[][]): { text: string; sections: ParsedSection[] } => {
  const blocks = toBlocks(pagesItems.map((items, index) => pageLines(items, index + 1)));
  const sections: ParsedSection[] = [];
  const path: { level: number; text: string }[] = [];
  const parts: string[] = [];
  let current: ParsedSection | undefined;
  for (const block of blocks) {
    if (block.kind === 'heading') {
      while (path.length > 0 && (path.at(-1)?.level ?? 0) >= block.level) path.pop();
      path.push({ level: block.level, text: block.text });
      parts.push(`${'#'.repeat(Math.min(block.level, 6))} ${block.text}`);
      current = undefined;
      continue;
    }
    parts.push(block.text);
    if (!current) {
      current = { headings: path.map((heading) => heading.text), text: block.text, pageNumber: block.page };
      sections.push(current);
    } else current.text += `\n\n${block.text}`;
  }
  return { text: parts.join('\n\n'), sections };
};
