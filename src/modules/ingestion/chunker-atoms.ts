import { estimateTokens, hasDenseScript } from './chunker-tokens.js';

/** How good a place to end a chunk the end of this atom is: word, sentence or line, paragraph or table. */
export type BreakStrength = 1 | 2 | 3;

/** The smallest unit the chunker moves: a word with its trailing whitespace, or a whole table (or group of rows). */
export type Atom = { text: string; tokens: number; breakAfter: BreakStrength; isTable: boolean };

const SENTENCE_END = /[.!?。！？…]["'”’)\]]*$/u;
const PARAGRAPH_GAP = /\n[ \t]*\n/;
/** Matched against a trimmed line; no two adjacent `\s*`, so it cannot backtrack badly on long lines. */
const TABLE_SEPARATOR = /^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$/;
const MAX_SEPARATOR_CHARS = 4096;

const isTableSeparator = (line: string | undefined): boolean =>
  line !== undefined && line.length <= MAX_SEPARATOR_CHARS && TABLE_SEPARATOR.test(line.trim());

/** push(...items) overflows the call stack for a few hundred thousand items. */
const appendAll = (target: Atom[], items: Atom[]): void => {
  for (const item of items) target.push(item);
};

const wordSegmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/**
 * A word longer than a chunk is only split when it is written in a script without spaces (Chinese, Japanese,
 * Thai...), at the word boundaries ICU's dictionary finds; any other over-long word (a URL, a hash) stays whole.
 */
const splitOversizeWord = (word: string, chunkSize: number): string[] => {
  if (!hasDenseScript(word)) return [word];
  const pieces: string[] = [];
  let current = '';
  for (const { segment } of wordSegmenter.segment(word)) {
    if (current && estimateTokens(current + segment) > chunkSize) {
      pieces.push(current);
      current = '';
    }
    current += segment;
  }
  if (current) pieces.push(current);
  return pieces;
};

const proseAtoms = (prose: string, chunkSize: number, isTable = false): Atom[] => {
  const atoms: Atom[] = [];
  for (const match of prose.matchAll(/(\S+)(\s*)/g)) {
    const word = match[1] ?? '';
    const space = match[2] ?? '';
    const isLast = (match.index ?? 0) + match[0].length >= prose.length;
    const hasNewline = space.includes('\n');
    const breakAfter: BreakStrength =
      isLast || (hasNewline && PARAGRAPH_GAP.test(space)) ? 3 : hasNewline || SENTENCE_END.test(word) ? 2 : 1;
    const tokens = estimateTokens(word);
    const pieces = tokens > chunkSize ? splitOversizeWord(word, chunkSize) : [word];
    pieces.forEach((piece, index) => {
      const isLastPiece = index === pieces.length - 1;
      atoms.push({
        text: isLastPiece ? piece + space : piece,
        tokens: pieces.length === 1 ? tokens : estimateTokens(piece),
        breakAfter: isLastPiece ? breakAfter : 1,
        isTable,
      });
    });
  }
  return atoms;
};

/**
 * A table that fits is one atom. A larger one becomes groups of rows, each led by the header and separator rows,
 * so every chunk of it can be read alone; a row too large even for that is chunked as prose (still never
 * repeated as overlap).
 */
const tableAtoms = (lines: string[], chunkSize: number): Atom[] => {
  const whole = lines.join('\n');
  const wholeTokens = estimateTokens(whole);
  if (wholeTokens <= chunkSize) return [{ text: `${whole}\n\n`, tokens: wholeTokens, breakAfter: 3, isTable: true }];
  const header = lines.slice(0, 2);
  const headerTokens = estimateTokens(header.join('\n'));
  const atoms: Atom[] = [];
  let group: string[] = [];
  let groupTokens = headerTokens;
  const flush = (): void => {
    if (group.length === 0) return;
    atoms.push({ text: `${[...header, ...group].join('\n')}\n\n`, tokens: groupTokens, breakAfter: 3, isTable: true });
    group = [];
    groupTokens = headerTokens;
  };
  for (const row of lines.slice(2)) {
    const rowTokens = estimateTokens(row);
    if (headerTokens + rowTokens > chunkSize) {
      flush();
      appendAll(atoms, proseAtoms(`${row}\n\n`, chunkSize, true));
      continue;
    }
    if (groupTokens + rowTokens > chunkSize) flush();
    group.push(row);
    groupTokens += rowTokens;
  }
  flush();
  return atoms;
};

/** Splits section text into prose and markdown pipe tables (a row with `|` followed by a `---|---` separator). */
export const sectionAtoms = (text: string, chunkSize: number): Atom[] => {
  const lines = text.split('\n');
  const atoms: Atom[] = [];
  let prose: string[] = [];
  const flushProse = (): void => {
    const joined = prose.join('\n');
    if (joined.trim()) appendAll(atoms, proseAtoms(`${joined.trim()}\n\n`, chunkSize));
    prose = [];
  };
  for (let index = 0; index < lines.length; ) {
    const line = lines[index] ?? '';
    if (line.includes('|') && isTableSeparator(lines[index + 1])) {
      let end = index + 2;
      while (end < lines.length && (lines[end] ?? '').includes('|') && (lines[end] ?? '').trim()) end++;
      flushProse();
      appendAll(atoms, tableAtoms(lines.slice(index, end), chunkSize));
      index = end;
      continue;
    }
    prose.push(line);
    index++;
  }
  flushProse();
  return atoms;
};
