import { createHash } from 'node:crypto';

import { OutboundBlockedError, OutboundRequestError, type OutboundHttp, type SafeResponse } from '../../../adapters/http/port.js';
import { extractHtmlContent } from '../../ingestion/parsers/index.js';
import type { PageRow, ScrapeRow } from '../crawler.repo.js';
import { crawlableLinks, createUrlFilter, isSameSite } from '../crawl-rules.js';

/** Links kept per page, for discovery and for re-use when the page comes back unchanged. */
const MAX_LINKS_PER_PAGE = 1000;
const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)\b/i;

export type PageOutcome =
  | { kind: 'content'; title?: string; text: string; contentHash: string; links: string[]; validators: Validators; httpStatus: number; finalUrl: string }
  | { kind: 'unchanged'; links: string[]; validators: Validators; httpStatus: number }
  | { kind: 'skipped'; reason: string; links: string[]; httpStatus?: number }
  | { kind: 'failed'; error: string; httpStatus?: number }
  /** The page we stored a document for no longer exists (404 / 410): the document goes too. */
  | { kind: 'gone'; httpStatus: number };

type Validators = { etag: string | null; lastModified: string | null };

/** A failure worth another attempt later (the site is busy or down, the network hiccupped). */
export class RetryablePageError extends Error {}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const charsetOf = (contentType: string) => /charset=["']?([\w-]+)/i.exec(contentType)?.[1] ?? 'utf-8';

/** Decodes with the declared charset; an unknown label falls back to UTF-8 rather than failing the page. */
export const decodeHtml = (response: SafeResponse): string => {
  try {
    return new TextDecoder(charsetOf(response.headers.get('content-type') ?? '')).decode(response.body);
  } catch {
    return new TextDecoder('utf-8').decode(response.body);
  }
};

export const isHtml = (response: SafeResponse) => HTML_TYPES.test(response.headers.get('content-type') ?? 'text/html');

const conditionalHeaders = (page: PageRow): Record<string, string> => {
  // Validators only help while the document they describe still exists.
  if (!page.documentId) return {};
  return {
    ...(page.etag ? { 'if-none-match': page.etag } : {}),
    ...(page.lastModified ? { 'if-modified-since': page.lastModified } : {}),
  };
};

/**
 * Fetches one page and decides what it is; touches no database. Throws RetryablePageError for failures worth
 * retrying; everything else is an outcome.
 */
export const fetchPage = async (http: Pick<OutboundHttp, 'fetch'>, scrape: ScrapeRow, page: PageRow): Promise<PageOutcome> => {
  let response: SafeResponse;
  try {
    response = await http.fetch(page.url, { headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.1', ...conditionalHeaders(page) } });
  } catch (error) {
    if (error instanceof OutboundBlockedError) return { kind: 'failed', error: `blocked: ${error.message}` };
    if (error instanceof OutboundRequestError && error.reason !== 'timeout' && error.reason !== 'network') {
      return { kind: 'failed', error: `${error.reason}: ${error.message}` };
    }
    throw new RetryablePageError((error as Error).message);
  }
  const validators = { etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified') };
  if (response.status === 304) return { kind: 'unchanged', links: page.links, validators: { etag: validators.etag ?? page.etag, lastModified: validators.lastModified ?? page.lastModified }, httpStatus: 304 };
  if (response.status === 429 || response.status >= 500) throw new RetryablePageError(`the site answered HTTP ${response.status}`);
  if ((response.status === 404 || response.status === 410) && page.documentId) return { kind: 'gone', httpStatus: response.status };
  if (response.status >= 300) return { kind: 'failed', error: `the site answered HTTP ${response.status}`, httpStatus: response.status };
  if (!isSameSite(response.url, scrape.startUrl)) return { kind: 'skipped', reason: 'off_site_redirect', links: [], httpStatus: response.status };
  if (!isHtml(response)) return { kind: 'skipped', reason: 'not_html', links: [], httpStatus: response.status };

  const extracted = extractHtmlContent(decodeHtml(response), response.url);
  const links = crawlableLinks(extracted.links, scrape.startUrl, createUrlFilter(scrape.settings, scrape.startUrl)).slice(0, MAX_LINKS_PER_PAGE);
  const text = extracted.text.trim();
  if (!text) return { kind: 'skipped', reason: 'empty', links, httpStatus: response.status };
  const contentHash = sha256(text);
  if (page.documentId && page.contentHash === contentHash) return { kind: 'unchanged', links, validators, httpStatus: response.status };
  return { kind: 'content', title: extracted.metadata.title, text, contentHash, links, validators, httpStatus: response.status, finalUrl: response.url };
};
