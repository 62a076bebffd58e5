import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

import { tenantRef, timestamps } from './foundation.js';
import { documents, knowledgeBases } from './knowledge.js';

/** Tables of the crawling migration (0007): website crawls into a knowledge base and the pages they found. */

export const SCRAPE_STATUSES = ['queued', 'running', 'completed', 'stopped', 'failed'] as const;
export type ScrapeStatus = (typeof SCRAPE_STATUSES)[number];
export const SCRAPE_SCHEDULES = ['none', 'daily', 'weekly'] as const;
export type ScrapeSchedule = (typeof SCRAPE_SCHEDULES)[number];
export const PAGE_STATUSES = ['queued', 'fetched', 'unchanged', 'skipped', 'failed'] as const;
export type PageStatus = (typeof PAGE_STATUSES)[number];

export type CrawlSettings = {
  maxPages: number;
  maxDepth: number;
  includePatterns: string[];
  excludePatterns: string[];
  concurrency: number;
  delayMs: number;
  useSitemap: boolean;
};

export const websiteScrapes = pgTable(
  'website_scrapes',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    knowledgeBaseId: uuid('knowledge_base_id')
      .notNull()
      .references(() => knowledgeBases.id, { onDelete: 'cascade' }),
    startUrl: text('start_url').notNull(),
    status: text('status', { enum: SCRAPE_STATUSES }).notNull().default('queued'),
    settings: jsonb('settings').$type<CrawlSettings>().notNull(),
    schedule: text('schedule', { enum: SCRAPE_SCHEDULES }).notNull().default('none'),
    runId: uuid('run_id').notNull(),
    runCount: integer('run_count').notNull().default(0),
    robotsTxt: text('robots_txt'),
    nextSlotAt: timestamp('next_slot_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    nextRunAt: timestamp('next_run_at', { withTimezone: true, mode: 'date' }),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    lastError: text('last_error'),
    ...timestamps,
  },
  (t) => [
    index('website_scrapes_tenant_idx').on(t.tenantId, t.createdAt),
    index('website_scrapes_due_idx').on(t.nextRunAt).where(sql`schedule <> 'none'`),
  ],
);

export const websiteScrapePages = pgTable(
  'website_scrape_pages',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    scrapeId: uuid('scrape_id')
      .notNull()
      .references(() => websiteScrapes.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    depth: integer('depth').notNull(),
    runId: uuid('run_id').notNull(),
    status: text('status', { enum: PAGE_STATUSES }).notNull().default('queued'),
    skipReason: text('skip_reason'),
    httpStatus: integer('http_status'),
    error: text('error'),
    etag: text('etag'),
    lastModified: text('last_modified'),
    contentHash: text('content_hash'),
    documentId: uuid('document_id').references(() => documents.id, { onDelete: 'set null' }),
    links: text('links').array().notNull().default(sql`'{}'::text[]`),
    fetchedAt: timestamp('fetched_at', { withTimezone: true, mode: 'date' }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('website_scrape_pages_url_uq').on(t.scrapeId, t.url),
    index('website_scrape_pages_run_idx').on(t.scrapeId, t.runId, t.status),
    index('website_scrape_pages_tenant_idx').on(t.tenantId),
  ],
);

export const crawlerTables = { websiteScrapes, websiteScrapePages };
