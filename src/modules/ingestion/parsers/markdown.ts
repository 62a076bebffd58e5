import { parse as parseYaml } from 'yaml';

import { sectionsFromMarkdown } from './markdown-sections.js';
import type { ParsedDocument } from './types.js';

const FRONT_MATTER = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

const readFrontMatter = (yaml: string): Record<string, unknown> => {
  try {
    const value: unknown = parseYaml(yaml);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {}; // broken front matter is still stripped: it is metadata, not content
  }
};

const stringField = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

type LiquidPiece = { text: string } | { tag: string };

/** Text and `{% tag %}` pieces, found with indexOf so hostile input cannot make it quadratic. */
const liquidPieces = (source: string): LiquidPiece[] => {
  const pieces: LiquidPiece[] = [];
  let position = 0;
  for (;;) {
    const open = source.indexOf('{%', position);
    const close = open === -1 ? -1 : source.indexOf('%}', open + 2);
    if (close === -1) break;
    pieces.push({ text: source.slice(position, open) }, { tag: /^-?\s*(\w*)/.exec(source.slice(open + 2, close))?.[1] ?? '' });
    position = close + 2;
  }
  pieces.push({ text: source.slice(position) });
  return pieces;
};

const CONDITIONAL_OPEN = new Set(['if', 'ifversion', 'unless', 'case', 'for']);
const CONDITIONAL_BRANCH = new Set(['else', 'elsif', 'elseif', 'when']);
const CONDITIONAL_CLOSE = new Set(['endif', 'endifversion', 'endunless', 'endcase', 'endfor']);

const joinBranches = (branches: string[]): string =>
  branches
    .map((branch) => branch.trim())
    .filter(Boolean)
    .join(' / ');

/**
 * Liquid (Jekyll, GitHub Docs) is template noise in knowledge text. Variables and includes (`{{ }}`, `{% data %}`)
 * cannot be resolved here and go; a conditional keeps its non-empty branches joined by " / " (we cannot know which
 * one a reader sees); comment blocks and any other tags go.
 */
export const stripLiquid = (markdown: string): string => {
  const frames: string[][] = [['']];
  let inComment = false;
  const append = (text: string): void => {
    const branches = frames.at(-1) ?? [];
    branches[branches.length - 1] += text;
  };
  for (const piece of liquidPieces(markdown.replace(/\{\{[^{}]*\}\}/g, ''))) {
    if ('text' in piece) {
      if (!inComment) append(piece.text);
    } else if (piece.tag === 'comment') inComment = true;
    else if (piece.tag === 'endcomment') inComment = false;
    else if (inComment) continue;
    else if (CONDITIONAL_OPEN.has(piece.tag)) frames.push(['']);
    else if (CONDITIONAL_BRANCH.has(piece.tag) && frames.length > 1) frames.at(-1)?.push('');
    else if (CONDITIONAL_CLOSE.has(piece.tag) && frames.length > 1) append(joinBranches(frames.pop() ?? []));
  }
  while (frames.length > 1) append(joinBranches(frames.pop() ?? []));
  return (frames[0]?.[0] ?? '')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/[ \t]+([.,;:!?])/g, '$1')
    .replace(/\n{3,}/g, '\n\n');
};

export const parseMarkdown = (source: string): ParsedDocument => {
  const match = FRONT_MATTER.exec(source);
  const frontMatter = match ? readFrontMatter(match[1] ?? '') : {};
  const text = stripLiquid(match ? source.slice(match[0].length) : source).trim();
  const sections = sectionsFromMarkdown(text);
  const firstHeading = /^#\s+(.+)$/m.exec(text)?.[1]?.trim();
  return {
    type: 'markdown',
    text,
    sections,
    metadata: {
      title: stringField(frontMatter.title) ?? firstHeading,
      author: stringField(frontMatter.author),
      language: stringField(frontMatter.lang) ?? stringField(frontMatter.language),
    },
  };
};
