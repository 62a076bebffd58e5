import type { ParsedDocument } from './types.js';

/** Plain text: normalised line endings, one section (the chunker finds paragraphs and sentences itself). */
export const parseTxt = (source: string): ParsedDocument => {
  const text = source.replace(/\r\n?/g, '\n').trim();
  return { type: 'txt', text, sections: text ? [{ headings: [], text }] : [], metadata: {} };
};
