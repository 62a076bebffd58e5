import type { CrawlSettings } from '../../db/tables/crawler.js';

/** Query parameters that only track campaigns: dropping them keeps one page one URL. */
const TRACKING_PARAM = /^(utm_[a-z]+|gclid|fbclid|mc_cid|mc_eid)$/i;

/** The form a URL is stored and compared in: no fragment, no tracking parameters; undefined when not http(s). */
export const normalizeUrl = (raw: string, base?: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.hash = '';
  for (const name of [...url.searchParams.keys()]) if (TRACKING_PARAM.test(name)) url.searchParams.delete(name);
  return url.href;
};

const siteKey = (url: URL) => url.host.replace(/^www\./, '');

/** Same site = same host and port, with or without `www.`, over http or https. */
export const isSameSite = (url: string, startUrl: string): boolean => {
  try {
    return siteKey(new URL(url)) === siteKey(new URL(startUrl));
  } catch {
    return false;
  }
};

const compilePattern = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

export type UrlFilter = (url: string) => boolean;

/**
 * Include/exclude patterns over path + query: `/docs/*` keeps the docs, `*.pdf` drops PDFs. With include patterns,
 * a URL must match one; it must match no exclude pattern. The start URL is always crawled.
 */
export const createUrlFilter = (settings: Pick<CrawlSettings, 'includePatterns' | 'excludePatterns'>, startUrl: string): UrlFilter => {
  const includes = settings.includePatterns.map(compilePattern);
  const excludes = settings.excludePatterns.map(compilePattern);
  return (url) => {
    if (url === startUrl) return true;
    const parsed = new URL(url);
    const target = `${parsed.pathname}${parsed.search}`;
    if (includes.length > 0 && !includes.some((pattern) => pattern.test(target))) return false;
    return !excludes.some((pattern) => pattern.test(target));
  };
};

/** Links worth recording from a page: normalised, same site, allowed by the patterns, each once. */
export const crawlableLinks = (links: readonly string[], startUrl: string, filter: UrlFilter): string[] => {
  const kept = new Set<string>();
  for (const link of links) {
    const url = normalizeUrl(link);
    if (url && isSameSite(url, startUrl) && filter(url)) kept.add(url);
  }
  return [...kept];
};
