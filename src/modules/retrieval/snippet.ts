import { matchesTerm } from './tokenizer.js';

const SNIPPET_CHARS = 240;
const LEAD_IN_CHARS = 30;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

type Word = { start: number; end: number; isMatch: boolean };

/**
 * A window of about SNIPPET_CHARS characters around the densest run of matched words, HTML-escaped, with every word
 * whose stem is a query term wrapped in <mark>. Escaping first keeps chunk text from injecting markup into a page
 * that renders the snippet as HTML.
 */
export const buildSnippet = (content: string, terms: ReadonlySet<string>): string => {
  const words: Word[] = [];
  for (const match of content.matchAll(/[\p{L}\p{N}]+/gu)) {
    words.push({ start: match.index, end: match.index + match[0].length, isMatch: matchesTerm(match[0], terms) });
  }
  // Windows start on a matched word (less a short lead-in); keep the one holding the most matches, earliest on ties.
  let best = { from: -1, count: 0 };
  let to = 0;
  let count = 0;
  for (let from = 0; from < words.length; from++) {
    to = Math.max(to, from);
    while (to < words.length && words[to]!.end - words[from]!.start <= SNIPPET_CHARS - LEAD_IN_CHARS) {
      if (words[to]!.isMatch) count++;
      to++;
    }
    if (words[from]!.isMatch && count > best.count) best = { from, count };
    if (words[from]!.isMatch && from < to) count--;
  }
  const anchor = words[best.from];
  // Start at a word boundary a little before the first match so the snippet reads as text, not as a fragment.
  const start = anchor && anchor.start > LEAD_IN_CHARS ? content.lastIndexOf(' ', anchor.start - LEAD_IN_CHARS) + 1 : 0;
  const end = Math.min(content.length, start + SNIPPET_CHARS);
  let html = '';
  let cursor = start;
  for (const word of words) {
    if (word.start < start || word.end > end || !word.isMatch) continue;
    html += `${escapeHtml(content.slice(cursor, word.start))}<mark>${escapeHtml(content.slice(word.start, word.end))}</mark>`;
    cursor = word.end;
  }
  html += escapeHtml(content.slice(cursor, end));
  return `${start > 0 ? '…' : ''}${html.trim()}${end < content.length ? '…' : ''}`;
};
