import { stemmer } from 'stemmer';

/**
 * Lucene's English analyzer stop set plus a few function words: BM25's idf already discounts common words, so the
 * list stays short (a long list drops words like "not" or "can" that change a question's meaning).
 */
const STOP_WORDS = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no', 'not', 'of',
  'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was', 'will', 'with',
]);

// Longer tokens are ids, hashes or base64 noise: never useful query terms, and they bloat the postings.
const MAX_TOKEN_LENGTH = 40;

/** Splits on anything that is neither a letter nor a digit, after folding case, width and diacritics. */
const words = (text: string): string[] =>
  text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0 && word.length <= MAX_TOKEN_LENGTH);

// Stemming was half of tokenizing at ingestion (SciFact: 0.7 s -> 0.3 s with the memo), and words repeat: the term
// of each word is remembered (a pure function of the word), up to this many words, then the memo starts over.
const TERM_MEMO_SIZE = 50_000;
const termMemo = new Map<string, string>();

// A word split out of a text may be a slice that keeps the whole text alive in V8: the memos keep a copy.
const detached = (word: string): string => Buffer.from(word, 'utf8').toString('utf8');

/** A folded word's index term: its Porter stem, or the word itself when it has no letter (numbers). */
const termOf = (word: string): string => {
  const known = termMemo.get(word);
  if (known !== undefined) return known;
  if (termMemo.size >= TERM_MEMO_SIZE) termMemo.clear();
  const copy = detached(word);
  const term = /\p{L}/u.test(copy) ? stemmer(copy) : copy;
  termMemo.set(copy, term);
  return term;
};

/**
 * Text -> index terms, in order (positions matter for phrase boosts): stop words out, Porter stems for words
 * (Anserini's BEIR baseline uses the same stemmer), digits kept as they are.
 */
export const tokenize = (text: string): string[] => {
  const terms: string[] = [];
  for (const word of words(text)) {
    if (STOP_WORDS.has(word)) continue;
    terms.push(termOf(word));
  }
  return terms;
};

/** A surface word's index term, '' for a word that has none (a stop word). */
const surfaceTermOf = (word: string): string => {
  const folded = words(word)[0];
  return !folded || STOP_WORDS.has(folded) ? '' : termOf(folded);
};

// Snippets fold every word of every result (most of a search's JavaScript time): the term of each surface word is
// remembered as well, under the same bound. Longer words are folded each time: rare, and kept they would leave the
// memo's size in bytes unbounded.
const surfaceMemo = new Map<string, string>();

/** The surface words of `text` whose stem is one of `terms`: what the snippet highlights. */
export const matchesTerm = (word: string, terms: ReadonlySet<string>): boolean => {
  let term = word.length > MAX_TOKEN_LENGTH ? surfaceTermOf(word) : surfaceMemo.get(word);
  if (term === undefined) {
    term = surfaceTermOf(word);
    if (surfaceMemo.size >= TERM_MEMO_SIZE) surfaceMemo.clear();
    surfaceMemo.set(detached(word), term);
  }
  return term !== '' && terms.has(term);
};
