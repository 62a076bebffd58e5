import { z } from 'zod';

import type { PageStatus, ScrapeSchedule, ScrapeStatus } from '../../db/tables/crawler.js';
import { ZPageQuery, zPage } from '../../lib/pagination.js';

// The table module is off limits here (lint); `satisfies` keeps these lists in step with its column types.
const SCRAPE_STATUSES = ['queued', 'running', 'completed', 'stopped', 'failed'] as const satisfies readonly ScrapeStatus[];
const SCRAPE_SCHEDULES = ['none', 'daily', 'weekly'] as const satisfies readonly ScrapeSchedule[];
const PAGE_STATUSES = ['queued', 'fetched', 'unchanged', 'skipped', 'failed'] as const satisfies readonly PageStatus[];

export const ZScrapeId = z.object({ id: z.uuid() });

const ZHttpUrl = z
  .string()
  .trim()
  .max(2048)
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }));

/** A path pattern: `*` matches any run of characters, everything else literally; matched against path + query. */
const ZPattern = z.string().trim().min(1).max(200);

export const ZCrawlSettings = z
  .object({
    maxPages: z.number().int().min(1).max(5000).default(100),
    maxDepth: z.number().int().min(0).max(10).default(3),
    includePatterns: z.array(ZPattern).max(50).default([]),
    excludePatterns: z.array(ZPattern).max(50).default([]),
    /** Page fetches allowed per `delayMs` window for this crawl. */
    concurrency: z.number().int().min(1).max(5).default(2),
    delayMs: z.number().int().min(0).max(60_000).default(1000),
    useSitemap: z.boolean().default(true),
  })
  .strict();
export type TCrawlSettings = z.infer<typeof ZCrawlSettings>;

export const ZScrapeSchedule = z.enum(SCRAPE_SCHEDULES);

export const ZCreateScrapeBody = z.object({
  knowledgeBaseId: z.uuid(),
  startUrl: ZHttpUrl,
  settings: ZCrawlSettings.default(ZCrawlSettings.parse({})),
  schedule: ZScrapeSchedule.default('none'),
});
export type TCreateScrapeBody = z.infer<typeof ZCreateScrapeBody>;

export const ZUpdateScrapeBody = z
  .object({
    settings: ZCrawlSettings.partial(),
    schedule: ZScrapeSchedule,
  })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'at least one field is required');
export type TUpdateScrapeBody = z.infer<typeof ZUpdateScrapeBody>;

export const ZListScrapesQuery = ZPageQuery.extend({
  knowledgeBaseId: z.uuid().optional(),
  status: z.enum(SCRAPE_STATUSES).optional(),
});
export type TListScrapesQuery = z.infer<typeof ZListScrapesQuery>;

export const ZListPagesQuery = ZPageQuery.extend({ status: z.enum(PAGE_STATUSES).optional() });
export type TListPagesQuery = z.infer<typeof ZListPagesQuery>;

export const ZScrapeProgress = z.object({
  /** URLs this run considers (start URL, sitemap entries, links), robots-refused ones included. */
  found: z.number().int(),
  queued: z.number().int(),
  /** Fetched and stored as new or changed documents. */
  fetched: z.number().int(),
  /** Not stored: unchanged since the last run, refused by robots.txt, not HTML, empty, duplicate, off-site redirect. */
  skipped: z.number().int(),
  /** Of `skipped`: unchanged since the last run (ETag / Last-Modified / content hash). */
  unchanged: z.number().int(),
  failed: z.number().int(),
});
export type TScrapeProgress = z.infer<typeof ZScrapeProgress>;

export const ZScrape = z
  .object({
    id: z.uuid(),
    knowledgeBaseId: z.uuid(),
    startUrl: z.string(),
    status: z.enum(SCRAPE_STATUSES),
    settings: ZCrawlSettings,
    schedule: ZScrapeSchedule,
    runCount: z.number().int(),
    progress: ZScrapeProgress,
    lastError: z.string().nullable(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable(),
    nextRunAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'WebsiteScrape' });
export type TScrape = z.infer<typeof ZScrape>;
export const ZScrapePage = zPage(ZScrape);

export const ZCrawledPage = z
  .object({
    id: z.uuid(),
    url: z.string(),
    depth: z.number().int(),
    status: z.enum(PAGE_STATUSES),
    skipReason: z.string().nullable(),
    httpStatus: z.number().int().nullable(),
    error: z.string().nullable(),
    documentId: z.uuid().nullable(),
    fetchedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'WebsiteScrapePage' });
export type TCrawledPage = z.infer<typeof ZCrawledPage>;
export const ZCrawledPagePage = zPage(ZCrawledPage);

export const ZReadContentBody = z.object({ url: ZHttpUrl });

export const ZReadContent = z
  .object({
    url: z.string(),
    /** After redirects. */
    finalUrl: z.string(),
    status: z.number().int(),
    title: z.string().nullable(),
    /** The main content as markdown, as it would be stored. */
    content: z.string(),
    links: z.array(z.string()),
  })
  .meta({ id: 'WebsiteReadContent' });
export type TReadContent = z.infer<typeof ZReadContent>;
