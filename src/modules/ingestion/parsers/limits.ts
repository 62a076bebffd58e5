import { ParseError } from './parse-error.js';
import type { ParsedDocument, ParseLimits } from './types.js';

export const DEFAULT_LIMITS: Required<ParseLimits> = {
  maxChars: 5_000_000,
  maxUncompressedBytes: 200 * 1024 * 1024,
};

export const resolveLimits = (limits: ParseLimits | undefined): Required<ParseLimits> => ({
  maxChars: limits?.maxChars ?? DEFAULT_LIMITS.maxChars,
  maxUncompressedBytes: limits?.maxUncompressedBytes ?? DEFAULT_LIMITS.maxUncompressedBytes,
});

/** Checked early on raw text (cheap) and again on the final text. */
export const assertTextWithin = (length: number, maxChars: number): void => {
  if (length > maxChars) {
    throw new ParseError('too_large', `The document has ${length} characters of text (limit ${maxChars}).`);
  }
};

export const assertHasText = (document: ParsedDocument, what: string): ParsedDocument => {
  if (!document.text.trim()) throw new ParseError('no_text', `The ${what} contains no readable text.`);
  return document;
};
