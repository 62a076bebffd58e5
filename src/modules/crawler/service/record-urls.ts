import type { Tx } from '../../../db/client.js';
import type { Queue } from '../../../jobs/queue.js';
import { createCrawlerRepo, type ScrapeRow } from '../crawler.repo.js';
import { createUrlFilter, isSameSite } from '../crawl-rules.js';
import { parseRobots } from '../site-discovery.js';
import { JOB } from './deps.js';

/** A site's Crawl-delay is honoured up to this; beyond it the crawl would take days. */
const MAX_CRAWL_DELAY_MS = 30_000;

/** Milliseconds between two page fetches of this crawl: the delay (or the site's Crawl-delay) over the concurrency. */
export const fetchIntervalMs = (scrape: Pick<ScrapeRow, 'settings' | 'robotsTxt' | 'startUrl'>) => {
  const crawlDelayMs = Math.min(MAX_CRAWL_DELAY_MS, (parseRobots(scrape.startUrl, scrape.robotsTxt).crawlDelaySeconds ?? 0) * 1000);
  return Math.max(scrape.settings.delayMs, crawlDelayMs) / scrape.settings.concurrency;
};

/**
 * Records URLs for the crawl's current run inside the caller's transaction (which holds the crawl's row lock):
 * same-site, pattern-matching, new to this run and within maxPages. robots.txt-refused ones are recorded as skipped;
 * each of the others gets its own page job, enqueued in this transaction at the crawl's next free slot.
 */
export const recordUrls = async (queue: Pick<Queue, 'enqueue'>, tx: Tx, scrape: ScrapeRow, candidates: { url: string; depth: number }[]) => {
  const repo = createCrawlerRepo(tx).forTenant(scrape);
  const filter = createUrlFilter(scrape.settings, scrape.startUrl);
  const shallowest = new Map<string, number>();
  for (const { url, depth } of candidates) {
    if (!isSameSite(url, scrape.startUrl) || !filter(url)) continue;
    shallowest.set(url, Math.min(depth, shallowest.get(url) ?? depth));
  }
  const known = await repo.runUrls(scrape.id, scrape.runId, [...shallowest.keys()]);
  const budget = scrape.settings.maxPages - (await repo.countRunPages(scrape.id, scrape.runId));
  const fresh = [...shallowest].filter(([url]) => !known.has(url)).slice(0, Math.max(0, budget));
  if (fresh.length === 0) return 0;

  const robots = parseRobots(scrape.startUrl, scrape.robotsTxt);
  const claimed = await repo.claimPages(
    scrape.id,
    scrape.runId,
    fresh.map(([url, depth]) => (robots.isAllowed(url) ? { url, depth } : { url, depth, status: 'skipped' as const, skipReason: 'robots_disallowed' })),
  );
  const interval = fetchIntervalMs(scrape);
  const firstSlot = Math.max(Date.now(), scrape.nextSlotAt.getTime());
  const queued = claimed.filter((page) => page.status === 'queued');
  for (const [index, page] of queued.entries()) {
    await queue.enqueue(
      tx,
      JOB.page,
      { tenantId: scrape.tenantId, scrapeId: scrape.id, pageId: page.id },
      // One live job per crawl and URL (the page row is unique per crawl and URL).
      { dedupeKey: `${scrape.id}:${page.id}`, runAt: new Date(firstSlot + index * interval) },
    );
  }
  if (queued.length > 0) await repo.updateScrape(scrape.id, { nextSlotAt: new Date(firstSlot + queued.length * interval) });
  return claimed.length;
};
