import { type Atom, sectionAtoms } from './chunker-atoms.js';
import { estimateTokens } from './chunker-tokens.js';
import type { ParsedDocument } from './parsers/index.js';

export { estimateTokens } from './chunker-tokens.js';

export type Chunk = { ordinal: number; content: string; headings: string[]; tokenCount: number };
export type ChunkOptions = { chunkSize: number; chunkOverlap: number };

/**
 * A chunk may end early at a better boundary, but not before it holds this share of chunkSize: paragraphs (and
 * records, table row groups) are worth a shorter chunk, sentences and lines a little less so.
 */
const MIN_FILL_FOR_PARAGRAPH = 0.25;
const MIN_FILL_FOR_SENTENCE = 0.5;

const assertValidOptions = ({ chunkSize, chunkOverlap }: ChunkOptions): void => {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  if (!Number.isInteger(chunkOverlap) || chunkOverlap < 0 || chunkOverlap >= chunkSize) {
    throw new RangeError(`chunkOverlap must be an integer in [0, chunkSize), got ${chunkOverlap}`);
  }
};

type Window = { start: number; end: number };

/**
 * Packs one section's atoms. Each chunk takes as many atoms as fit in chunkSize, then ends at the last paragraph
 * boundary that leaves it a quarter full, else the last sentence/line end that leaves it half full, else after the
 * last word that fits. The next chunk starts up to chunkOverlap tokens back, at a sentence start when one is in
 * reach; tables are never repeated as overlap, and overlap gives way when it would split a paragraph that fits.
 */
const packAtoms = (atoms: Atom[], { chunkSize, chunkOverlap }: ChunkOptions): Window[] => {
  const prefix = [0];
  for (const atom of atoms) prefix.push((prefix.at(-1) ?? 0) + atom.tokens);
  const tokensBetween = (from: number, to: number): number => (prefix[to] ?? 0) - (prefix[from] ?? 0);
  const paragraphEnds = paragraphEndsOf(atoms);
  const windows: Window[] = [];
  let start = 0;
  let fresh = 0; // first atom not yet in any chunk
  while (fresh < atoms.length) {
    // Overlap gives way to the next paragraph when that paragraph fits a chunk alone, else to the next atom.
    const paragraphEnd = paragraphEnds[fresh] ?? atoms.length;
    const mustFit = tokensBetween(fresh, paragraphEnd) <= chunkSize ? paragraphEnd : fresh + 1;
    if (start < fresh && tokensBetween(start, mustFit) > chunkSize) {
      while (start < fresh && tokensBetween(start, mustFit) > chunkSize) start++;
      // A trimmed overlap restarts at a sentence start, or is dropped, rather than opening mid-sentence.
      while (start < fresh && (atoms[start - 1]?.breakAfter ?? 3) < 2) start++;
    }
    let end = fresh;
    while (end < atoms.length && tokensBetween(start, end + 1) <= chunkSize) end++;
    if (end === fresh) end = fresh + 1; // one atom larger than a chunk (an unsplittable word or row)
    else if (end < atoms.length) end = strongestBreak(atoms, { start, end }, fresh, tokensBetween, chunkSize);
    windows.push({ start, end });
    fresh = end;
    start = overlapStart(atoms, { start, end }, tokensBetween, chunkOverlap);
  }
  return windows;
};

/** For each atom, the end (exclusive) of the paragraph it belongs to; computed once so packing stays linear. */
const paragraphEndsOf = (atoms: Atom[]): number[] => {
  const ends = new Array<number>(atoms.length);
  let end = atoms.length;
  for (let index = atoms.length - 1; index >= 0; index--) {
    if (atoms[index]?.breakAfter === 3) end = index + 1;
    ends[index] = end;
  }
  return ends;
};

const strongestBreak = (
  atoms: Atom[],
  window: Window,
  fresh: number,
  tokensBetween: (from: number, to: number) => number,
  chunkSize: number,
): number => {
  let best = window.end;
  let bestStrength = atoms[window.end - 1]?.breakAfter ?? 1;
  for (let end = window.end - 1; end > fresh && bestStrength < 3; end--) {
    const fill = tokensBetween(window.start, end) / chunkSize;
    if (fill < MIN_FILL_FOR_PARAGRAPH) break;
    const strength = atoms[end - 1]?.breakAfter ?? 1;
    const isAllowed = strength === 3 || fill >= MIN_FILL_FOR_SENTENCE;
    if (isAllowed && strength > bestStrength) {
      best = end;
      bestStrength = strength;
    }
  }
  return best;
};

const overlapStart = (
  atoms: Atom[],
  window: Window,
  tokensBetween: (from: number, to: number) => number,
  chunkOverlap: number,
): number => {
  let earliest = window.end;
  while (earliest - 1 > window.start && !atoms[earliest - 1]?.isTable && tokensBetween(earliest - 1, window.end) <= chunkOverlap) earliest--;
  // Prefer the longest overlap that begins a sentence; otherwise the longest one (atoms always begin a word).
  for (let candidate = earliest; candidate < window.end; candidate++) {
    if ((atoms[candidate - 1]?.breakAfter ?? 1) >= 2) return candidate;
  }
  return earliest;
};

/**
 * Splits a parsed document into chunks of at most chunkSize estimated tokens (see estimateTokens), section by
 * section so every chunk carries its section's heading path. A chunk is larger only when it is one unsplittable
 * word or table row. Ordinals run 0..n-1 across the document.
 */
export const chunkDocument = (document: ParsedDocument, options: ChunkOptions): Chunk[] => {
  assertValidOptions(options);
  const chunks: Chunk[] = [];
  for (const section of document.sections) {
    const atoms = sectionAtoms(section.text, options.chunkSize);
    for (const { start, end } of packAtoms(atoms, options)) {
      const content = atoms
        .slice(start, end)
        .map((atom) => atom.text)
        .join('')
        .trim();
      if (!content) continue;
      chunks.push({ ordinal: chunks.length, content, headings: [...section.headings], tokenCount: estimateTokens(content) });
    }
  }
  return chunks;
};
