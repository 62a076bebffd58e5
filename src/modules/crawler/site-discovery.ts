import { gunzipSync } from 'node:zlib';

import { DOMParser } from 'linkedom';
import robotsParserModule from 'robots-parser';

import type { OutboundHttp } from '../../adapters/http/port.js';
import { isSameSite, normalizeUrl } from './crawl-rules.js';

/** The token robots.txt groups are matched against (our user agent is Switchboard/<version>). */
export const ROBOTS_AGENT = 'Switchboard';
const ROBOTS_MAX_BYTES = 512 * 1024;
const SITEMAP_MAX_BYTES = 10 * 1024 * 1024;
/** Sitemap files read per run (an index can name thousands) and index nesting followed. */
const MAX_SITEMAP_FILES = 50;
const MAX_SITEMAP_NESTING = 3;

// The package is CommonJS (module.exports = fn) but its types declare an ES default export.
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default;

export type Robots = {
  isAllowed: (url: string) => boolean;
  /** Seconds the site asks between requests, if it says. */
  crawlDelaySeconds?: number;
  sitemaps: string[];
};

export const robotsUrlOf = (startUrl: string) => new URL('/robots.txt', startUrl).href;

/** Parses robots.txt text; a missing file (null) allows everything. */
export const parseRobots = (startUrl: string, text: string | null): Robots => {
  const robots = robotsParser(robotsUrlOf(startUrl), text ?? '');
  return {
    // robots-parser answers undefined for URLs of another origin: those are never crawled anyway.
    isAllowed: (url) => robots.isAllowed(url, ROBOTS_AGENT) !== false,
    crawlDelaySeconds: robots.getCrawlDelay(ROBOTS_AGENT),
    sitemaps: robots.getSitemaps(),
  };
};

export class RobotsUnavailableError extends Error {}

/**
 * Fetches robots.txt. As in Google's rules, 4xx means "no rules"; a 5xx means the site is in trouble, so the caller
 * retries later rather than crawl what might be forbidden.
 */
export const fetchRobotsTxt = async (http: Pick<OutboundHttp, 'fetch'>, startUrl: string): Promise<string | null> => {
  const response = await http.fetch(robotsUrlOf(startUrl), { maxBytes: ROBOTS_MAX_BYTES });
  if (response.status >= 500) throw new RobotsUnavailableError(`robots.txt answered HTTP ${response.status}`);
  if (response.status !== 200) return null;
  return response.body.toString('utf8');
};

const isGzip = (bytes: Buffer) => bytes[0] === 0x1f && bytes[1] === 0x8b;

const locsOf = (xml: string, container: 'sitemap' | 'url'): string[] => {
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  return [...document.querySelectorAll(container)]
    .map((element) => element.querySelector('loc')?.textContent?.trim() ?? '')
    .filter(Boolean);
};

/**
 * Page URLs from the site's sitemaps (robots.txt `Sitemap:` lines, else /sitemap.xml), following nested sitemap
 * indexes; same-site URLs only, at most `limit`. A sitemap that fails to load or parse is passed over.
 */
export const discoverSitemapUrls = async (
  http: Pick<OutboundHttp, 'fetch'>,
  input: { startUrl: string; robots: Robots; limit: number; isCancelled: () => Promise<boolean> },
): Promise<string[]> => {
  const pending = (input.robots.sitemaps.length > 0 ? input.robots.sitemaps : [new URL('/sitemap.xml', input.startUrl).href])
    .map((url) => ({ url: normalizeUrl(url), nesting: 0 }))
    .filter((entry): entry is { url: string; nesting: number } => Boolean(entry.url) && isSameSite(entry.url!, input.startUrl));
  const seen = new Set<string>();
  const pages = new Set<string>();
  while (pending.length > 0 && seen.size < MAX_SITEMAP_FILES && pages.size < input.limit) {
    const { url, nesting } = pending.shift()!;
    if (seen.has(url)) continue;
    seen.add(url);
    if (await input.isCancelled()) break;
    const xml = await http
      .fetch(url, { maxBytes: SITEMAP_MAX_BYTES })
      .then((response) => (response.status === 200 ? response.body : undefined))
      .then((body) => (body && isGzip(body) ? gunzipSync(body, { maxOutputLength: SITEMAP_MAX_BYTES }) : body)?.toString('utf8'))
      .catch(() => undefined);
    if (!xml) continue;
    if (nesting < MAX_SITEMAP_NESTING) {
      for (const child of locsOf(xml, 'sitemap')) {
        const normalized = normalizeUrl(child, url);
        if (normalized && isSameSite(normalized, input.startUrl)) pending.push({ url: normalized, nesting: nesting + 1 });
      }
    }
    for (const loc of locsOf(xml, 'url')) {
      const normalized = normalizeUrl(loc, url);
      if (normalized && isSameSite(normalized, input.startUrl)) pages.add(normalized);
      if (pages.size >= input.limit) break;
    }
  }
  return [...pages];
};
