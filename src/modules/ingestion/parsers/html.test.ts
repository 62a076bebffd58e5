import { readFileSync } from 'node:fs';

import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';

import { extractHtmlContent, parseDocument } from './index.js';

const FIXTURES = new URL('../../../../test/fixtures/docs/html/', import.meta.url);
const fixtureText = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

/** Multiset of letter/digit runs: markdown markup and DOM text then compare on the words alone. */
const wordCounts = (text: string): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const [word] of text.matchAll(/[\p{L}\p{N}]+/gu)) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
};

/** Share of `reference` words (with multiplicity) also present in `candidate`. */
const recall = (reference: Map<string, number>, candidate: Map<string, number>): number => {
  let total = 0;
  let found = 0;
  for (const [word, count] of reference) {
    total += count;
    found += Math.min(count, candidate.get(word) ?? 0);
  }
  return found / total;
};

describe('HTML main content (Readability + linkedom + turndown)', () => {
  const source = fixtureText('wikipedia-mozilla-source.html');
  const expectedHtml = fixtureText('wikipedia-mozilla-readability-expected.html');

  it("matches Readability's own expected output for the Wikipedia page and drops the navigation", () => {
    const content = extractHtmlContent(source, 'https://en.wikipedia.org/wiki/Mozilla');
    const expectedText = parseHTML(`<html><body>${expectedHtml}</body></html>`).document.body.textContent ?? '';
    const ours = wordCounts(content.text);
    const gold = wordCounts(expectedText);
    expect(recall(gold, ours)).toBeGreaterThan(0.999);
    expect(recall(ours, gold)).toBeGreaterThan(0.98); // ours adds ordered-list numbers ("1.") only
    for (const chrome of ['Navigation menu', 'Personal tools', 'Main page', 'Privacy policy']) {
      expect(source).toContain(chrome);
      expect(content.text).not.toContain(chrome);
    }
    expect(content.metadata).toEqual({ title: 'Mozilla - Wikipedia', language: 'en' });
  });

  it('keeps the article structure as heading sections and its infobox as a table', () => {
    const { text, sections } = extractHtmlContent(source);
    const paths = sections.map((section) => section.headings.join(' > '));
    expect(paths).toContain('History > Eich CEO promotion controversy');
    expect(paths).toContain('Software > Components > SpiderMonkey');
    expect(text).toContain('| Founded | February 28, 1998; 18 years ago |');
    expect(sections.find((section) => section.headings.at(-1) === 'Firefox')?.text).toMatch(/^Firefox is a web browser/);
  });

  it('returns every http(s) link of the page, absolute, without fragments, once', () => {
    const { links } = extractHtmlContent(source, 'https://en.wikipedia.org/wiki/Mozilla');
    expect(links).toContain('https://en.wikipedia.org/wiki/Main_Page');
    expect(links).toContain('https://en.wikipedia.org/wiki/Mozilla_Foundation');
    expect(links.every((link) => /^https?:\/\//.test(link) && !link.includes('#'))).toBe(true);
    expect(new Set(links).size).toBe(links.length);
  });

  it('resolves relative links against <base href> or the page URL', () => {
    const html = '<html><head><title>T</title></head><body><nav><a href="/docs">Docs</a></nav><article><p>' +
      'Enough words to be an article. '.repeat(20) +
      '<a href="pricing#plans">Pricing</a> <a href="mailto:x@y.z">mail</a> <a href="javascript:void 0">js</a></p></article></body></html>';
    expect(extractHtmlContent(html, 'https://shop.example/en/index.html').links).toEqual([
      'https://shop.example/docs',
      'https://shop.example/en/pricing',
    ]);
    const withBase = html.replace('<title>', '<base href="https://cdn.example/root/"><title>');
    expect(extractHtmlContent(withBase, 'https://shop.example/').links).toContain('https://cdn.example/root/pricing');
  });

  it('reads a messy inline-styled SEC filing: text, checkbox glyphs and tables', async () => {
    const document = await parseDocument({ bytes: new TextEncoder().encode(fixtureText('sec-10k-galaxy-gaming-1p.html')), filename: '10k.htm' });
    expect(document.type).toBe('html');
    expect(document.text).toContain('Galaxy Gaming, Inc.');
    expect(document.text).toContain('| Title of each class | Trading symbol | Name of exchange on which registered |');
    expect(document.text).toContain('| Common stock | GLXZ | OTCQB marketplace |');
    expect(document.text).toMatch(/Yes\s+☐\s+No\s+☑/);
    expect(document.text).not.toMatch(/<\/?(span|td|p)\b/);
  });

  it('parses a fragment without <html>/<body> and keeps a non-article page readable', () => {
    const fragment = extractHtmlContent('<h2>Opening hours</h2><p>Mon-Fri 9-17</p>');
    expect(fragment.text).toContain('Opening hours');
    expect(fragment.text).toContain('Mon-Fri 9-17');
    const page = extractHtmlContent('<html><body><nav>Home | About</nav><main><p>Call us.</p></main><footer>© Shop</footer></body></html>');
    expect(page.text).toContain('Call us.');
    expect(page.text).not.toContain('© Shop');
  });
});
