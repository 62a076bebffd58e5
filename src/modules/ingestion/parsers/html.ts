import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';

import { htmlToMarkdown } from './html-to-markdown.js';
import { sectionsFromMarkdown } from './markdown-sections.js';
import type { ParsedDocument } from './types.js';

export type HtmlContent = ParsedDocument & { links: string[] };

/** Page chrome dropped when Readability finds no article and we fall back to the whole body. */
const BOILERPLATE_SELECTOR = 'nav, header, footer, aside, [role="navigation"], [role="banner"], [role="contentinfo"]';

/** Every http(s) link of the page (navigation included: the crawler follows it), absolute, without fragment, deduplicated. */
const collectLinks = (document: Document, pageUrl?: string): string[] => {
  const base = document.querySelector('base[href]')?.getAttribute('href');
  const baseUrl = resolveUrl(base ?? '', pageUrl) ?? pageUrl;
  const links = new Set<string>();
  for (const anchor of document.querySelectorAll('a[href]')) {
    const url = resolveUrl(anchor.getAttribute('href') ?? '', baseUrl);
    if (!url) continue;
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') continue;
    parsed.hash = '';
    links.add(parsed.href);
  }
  return [...links];
};

const resolveUrl = (href: string, base?: string): string | undefined => {
  try {
    return new URL(href.trim(), base).href;
  } catch {
    return undefined;
  }
};

/** linkedom leaves a bare fragment without <html>/<body>, which Readability cannot walk. */
const asFullDocument = (html: string): string => (/<html[\s>]/i.test(html) ? html : `<!DOCTYPE html><html><body>${html}</body></html>`);

const textOrUndefined = (value: string | null | undefined): string | undefined => value?.replace(/\s+/g, ' ').trim() || undefined;

/**
 * Main content of a web page as markdown: Readability (Firefox Reader View) on a linkedom DOM, then turndown.
 * linkedom rather than jsdom: it reproduces Readability's expected text on its own Wikipedia test page, is far
 * lighter, and the newest jsdom needs Node 22 (see docs/ingestion-parsers.md).
 */
export const extractHtmlContent = (html: string, url?: string): HtmlContent => {
  const { document } = parseHTML(asFullDocument(html));
  const links = collectLinks(document, url);
  const language = textOrUndefined(document.documentElement?.getAttribute('lang'));
  const pageTitle = textOrUndefined(document.querySelector('title')?.textContent);
  const author = textOrUndefined(document.querySelector('meta[name="author"]')?.getAttribute('content'));
  const article = new Readability(document as unknown as Document).parse();
  let contentHtml = article?.content ?? '';
  if (!article?.textContent?.trim()) {
    // Not article-shaped (a form, a table-only page): keep the body without its chrome.
    const fallback = parseHTML(asFullDocument(html)).document;
    for (const element of fallback.querySelectorAll(BOILERPLATE_SELECTOR)) element.remove();
    contentHtml = fallback.body?.innerHTML ?? '';
  }
  const text = htmlToMarkdown(contentHtml);
  return {
    type: 'html',
    text,
    sections: sectionsFromMarkdown(text),
    metadata: {
      title: textOrUndefined(article?.title) ?? pageTitle,
      author: textOrUndefined(article?.byline) ?? author,
      language: textOrUndefined(article?.lang) ?? language,
    },
    links,
  };
};
