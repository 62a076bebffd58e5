import { ParseError } from './parse-error.js';
import type { ParsedDocument, ParsedSection } from './types.js';

/** Deeper values are shown as compact JSON: key paths that long stop being readable. */
const MAX_PATH_DEPTH = 32;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

const childPath = (path: string, key: string): string => {
  const segment = IDENTIFIER.test(key) ? key : JSON.stringify(key);
  if (!path) return segment;
  return IDENTIFIER.test(key) ? `${path}.${segment}` : `${path}[${segment}]`;
};

const scalar = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** One `key.path[0].name: value` line per leaf, so every line carries its own context into a chunk. */
const leafLines = (value: unknown, path: string, depth: number, lines: string[]): void => {
  if (value === null || typeof value !== 'object') {
    lines.push(path ? `${path}: ${scalar(value)}` : scalar(value));
    return;
  }
  if (depth >= MAX_PATH_DEPTH) {
    lines.push(`${path}: ${JSON.stringify(value)}`);
    return;
  }
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  if (entries.length === 0) lines.push(`${path}: ${Array.isArray(value) ? '[]' : '{}'}`);
  for (const [key, item] of entries) {
    leafLines(item, typeof key === 'number' ? `${path}[${key}]` : childPath(path, key), depth + 1, lines);
  }
};

/** Top-level keys (or array items) are blocks separated by blank lines; object keys also become section headings. */
export const parseJson = (source: string): ParsedDocument => {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    throw new ParseError('corrupt', `The file is not valid JSON: ${(error as Error).message}`);
  }
  const blocks: { heading?: string; text: string }[] = [];
  const addBlock = (item: unknown, path: string, heading?: string): void => {
    const lines: string[] = [];
    leafLines(item, path, 1, lines);
    blocks.push({ heading, text: lines.join('\n') });
  };
  if (Array.isArray(value)) value.forEach((item, index) => addBlock(item, `[${index}]`));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) addBlock(item, childPath('', key), key);
  } else addBlock(value, '');
  const text = blocks.map((block) => block.text).join('\n\n');
  const sections: ParsedSection[] = Array.isArray(value)
    ? [{ headings: [], text }]
    : blocks.map((block) => ({ headings: block.heading === undefined ? [] : [block.heading], text: block.text }));
  return { type: 'json', text, sections: sections.filter((section) => section.text.trim()), metadata: {} };
};
