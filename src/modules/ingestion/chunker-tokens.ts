/** Letter/number runs, or runs of one repeated symbol ("---", "..."); whitespace is free. */
const TOKEN_PIECES = /[\p{L}\p{N}\p{M}]+|([^\s\p{L}\p{N}\p{M}])\1*/gu;
/** Latin letters and digits: English-centred BPE vocabularies merge ~4 of them per token. */
const LATIN_OR_DIGIT = /[\p{Script=Latin}\p{N}]/gu;
/** Scripts written without spaces; BPE tokenizers spend about one token per character on them. */
const DENSE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/gu;

/**
 * Token estimate without a model-specific tokenizer. In a run of letters/digits, Latin letters and digits cost 1 per
 * 4 (as in English BPE vocabularies), other alphabets (Cyrillic, Arabic, Greek...) 1 per 2, each CJK/Thai character
 * 1; each symbol costs 1 (a run of the same symbol, like a table rule "---", 1 per 4); whitespace is free. Measured
 * against cl100k it errs on the high side (docs/ingestion-parsers.md), so chunks stay under a model's real limit.
 * It is additive over whitespace-separated pieces and never larger for a whole than for its parts, which the
 * chunker relies on.
 */
export const estimateTokens = (text: string): number => (NON_ASCII.test(text) ? estimateUnicodeTokens(text) : estimateAsciiTokens(text));

const NON_ASCII = /[\u0080-\uffff]/;

const isAsciiAlphanumeric = (code: number): boolean => (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
const isAsciiSpace = (code: number): boolean => code === 32 || (code >= 9 && code <= 13);

/** The same rules as estimateUnicodeTokens, as a char-code loop: ASCII text (most of it) is estimated ~10x faster. */
const estimateAsciiTokens = (text: string): number => {
  let tokens = 0;
  let wordLength = 0;
  let symbol = -1;
  let symbolLength = 0;
  // Hot loop (every word of every document): plain branches, no closures.
  for (let index = 0; index <= text.length; index++) {
    const code = index < text.length ? text.charCodeAt(index) : 32;
    if (isAsciiAlphanumeric(code)) {
      if (symbolLength > 0) tokens += symbolLength === 1 ? 1 : Math.ceil(symbolLength / 4);
      symbolLength = 0;
      symbol = -1;
      wordLength++;
      continue;
    }
    if (wordLength > 0) tokens += Math.ceil(wordLength / 4);
    wordLength = 0;
    if (code === symbol) {
      symbolLength++;
      continue;
    }
    if (symbolLength > 0) tokens += symbolLength === 1 ? 1 : Math.ceil(symbolLength / 4);
    const isSpace = isAsciiSpace(code);
    symbol = isSpace ? -1 : code;
    symbolLength = isSpace ? 0 : 1;
  }
  return tokens;
};

const estimateUnicodeTokens = (text: string): number => {
  let tokens = 0;
  for (const [piece, symbol] of text.matchAll(TOKEN_PIECES)) {
    if (piece.length === 1) {
      tokens += 1;
      continue;
    }
    if (symbol !== undefined) {
      tokens += Math.ceil(piece.length / 4);
      continue;
    }
    const dense = piece.match(DENSE_SCRIPT)?.length ?? 0;
    const latin = piece.match(LATIN_OR_DIGIT)?.length ?? 0;
    tokens += dense + Math.ceil((piece.length - dense - latin) / 2) + Math.ceil(latin / 4);
  }
  return tokens;
};

const HAS_DENSE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

export const hasDenseScript = (text: string): boolean => HAS_DENSE_SCRIPT.test(text);
