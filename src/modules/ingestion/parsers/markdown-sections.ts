import { Lexer, type Token } from 'marked';

import type { ParsedSection } from './types.js';

/**
 * Splits markdown into sections at its headings (ATX and setext, outside code fences: marked's lexer knows the rules).
 * Each section's `headings` is the path of enclosing headings; the heading line itself is not repeated in `text`.
 */
export const sectionsFromMarkdown = (markdown: string, rootHeadings: string[] = []): ParsedSection[] => {
  const sections: ParsedSection[] = [];
  const path: { depth: number; text: string }[] = [];
  let buffer = '';
  const flush = (): void => {
    const text = buffer.trim();
    if (text) sections.push({ headings: [...rootHeadings, ...path.map((heading) => heading.text)], text });
    buffer = '';
  };
  for (const token of new Lexer({ gfm: true }).lex(markdown) as Token[]) {
    if (token.type === 'heading') {
      flush();
      const depth = (token as { depth: number }).depth;
      while (path.length > 0 && (path.at(-1)?.depth ?? 0) >= depth) path.pop();
      const text = plainHeading((token as { text: string }).text);
      if (text) path.push({ depth, text });
      continue;
    }
    buffer += token.raw;
  }
  flush();
  return sections;
};

/** Heading text without inline emphasis/link markup or MediaWiki "[edit]" links, so the path reads as plain words. */
const plainHeading = (text: string): string =>
  text
    .replace(/\[edit\]/gi, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
