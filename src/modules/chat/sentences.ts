/**
 * Sentences of retrieved passages and stored messages, for the extractive responder and the extractive conversation
 * summary. Passages are parsed Markdown (headings, lists, tables, code fences) whose prose may be hard-wrapped, and
 * legal or technical text full of abbreviations ("28 U.S.C. § 586", "e.g. fetched"): a naive split on every period
 * and line break quotes half-sentences.
 */

export type Sentence = {
  text: string;
  /** Index among the sentences of its text. */
  position: number;
  /** A heading, label or table row rather than prose: it names a topic more often than it answers. */
  isLabel: boolean;
};

const ABBREVIATIONS = new Set([
  'e.g', 'i.e', 'etc', 'vs', 'cf', 'al', 'mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'no', 'nos', 'inc', 'ltd', 'co', 'corp',
  'jr', 'sr', 'fig', 'sec', 'art', 'approx', 'dept', 'est', 'vol', 'pp', 'ch', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul',
  'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
]);

const MIN_SENTENCE_CHARS = 12;

// Lines that stand alone even inside a paragraph: heading, table row, quote. List items open a new paragraph.
const STANDALONE_LINE = /^(#{1,6}\s|\||>)/;
const LIST_ITEM = /^([-*+•]\s|\d{1,3}[.)]\s)/;
const TABLE_SEPARATOR = /^\|?[\s:|-]+\|?$/;

type Block = { text: string; isLabel: boolean };

/** Paragraphs (hard wraps joined), list items, headings, table rows and code lines, in order. */
const blocksOf = (text: string): Block[] => {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let isFenced = false;
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ text: paragraph.join(' '), isLabel: false });
    paragraph = [];
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (/^(```|~~~)/.test(line)) {
      flush();
      isFenced = !isFenced;
    } else if (isFenced) {
      if (line) blocks.push({ text: line, isLabel: false });
    } else if (!line) {
      flush();
    } else if (STANDALONE_LINE.test(line)) {
      flush();
      // Table rows are data ("| Founded | February 28, 1998 |"), often the very answer; headings only name a topic.
      if (!TABLE_SEPARATOR.test(line)) blocks.push({ text: line, isLabel: line.startsWith('#') });
    } else {
      if (LIST_ITEM.test(line)) flush();
      paragraph.push(line);
    }
  }
  flush();
  return blocks;
};

/** Markdown syntax out, the words in: link text without its URL, no emphasis markers, table cells split by " | ". */
const plain = (block: string) =>
  block
    .replace(/^(#{1,6}\s+|[-*+•]\s+|\d{1,3}[.)]\s+|>\s*)/, '')
    .replace(/^\|\s*|\s*\|$/g, '')
    .replace(/\s*\|\s*/g, ' | ')
    .replace(/!?\[([^\]]*)\]\([^)\s]*\)/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();

// End punctuation, closing quotes, brackets or footnote marks ("Persons.]* The"), space, then what can open a sentence.
const BOUNDARY = /[.!?]+["'”’)\]*]*\s+(?=["'“‘([]?[\p{Lu}\p{N}])/gu;

/** "U.S.", "e.g.", "Mr." and initials end in a period without ending the sentence. */
const endsWithAbbreviation = (before: string) => {
  const word = /([\p{L}.]+)$/u.exec(before)?.[1] ?? '';
  return word.length === 1 || word.includes('.') || ABBREVIATIONS.has(word.toLowerCase());
};

const splitBlock = (block: string): string[] => {
  const sentences: string[] = [];
  let start = 0;
  for (const match of block.matchAll(BOUNDARY)) {
    if (match[0].startsWith('.') && endsWithAbbreviation(block.slice(start, match.index))) continue;
    sentences.push(block.slice(start, match.index + match[0].trimEnd().length));
    start = match.index + match[0].length;
  }
  sentences.push(block.slice(start));
  return sentences;
};

const wordCount = (text: string) => text.split(' ').filter(Boolean).length;

/** The sentences of a passage or message, cleaned of Markdown, in order; fragments shorter than 12 characters dropped. */
export const sentencesOf = (text: string): Sentence[] => {
  const sentences: Sentence[] = [];
  for (const block of blocksOf(text)) {
    for (const piece of splitBlock(plain(block.text))) {
      const sentence = piece.trim();
      if (sentence.length < MIN_SENTENCE_CHARS) continue;
      // A short line without end punctuation ("A. PURPOSE", "**CHAPTER 1**") is a label too.
      const isLabel = block.isLabel || (wordCount(sentence) < 5 && !/[.!?:;]$/.test(sentence));
      sentences.push({ text: sentence, position: sentences.length, isLabel });
    }
  }
  return sentences;
};

/** At most `max` characters of `text`, cut at a word boundary, with an ellipsis when cut. */
export const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max).replace(/\s+\S*$/, '')}…` : text);
