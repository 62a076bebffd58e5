import type { OutboundHttp } from '../../../adapters/http/port.js';
import type { TenantContext } from '../../../app/context.js';
import type { Db } from '../../../db/client.js';
import type { ScrapeSchedule } from '../../../db/tables/crawler.js';
import type { Queue } from '../../../jobs/queue.js';
import type { KnowledgeService } from '../../knowledge/knowledge.service.js';
import type { ScrapeRow } from '../crawler.repo.js';

export type CrawlerDeps = {
  db: Db;
  queue: Pick<Queue, 'enqueue'>;
  http: Pick<OutboundHttp, 'fetch' | 'assertAllowed'>;
  /** Pages become documents only through the knowledge module; it also answers whether a knowledge base exists. */
  knowledge: {
    upsertDocumentFromContent: KnowledgeService['upsertDocumentFromContent'];
    removeDocumentInTx: KnowledgeService['removeDocumentInTx'];
    getKnowledgeBase: (ctx: TenantContext, id: string) => Promise<unknown>;
  };
};

export const JOB = {
  start: 'crawler.start',
  page: 'crawler.page',
  resyncDue: 'crawler.resync-due',
} as const;

export const START_ATTEMPTS = 3;
export const PAGE_ATTEMPTS = 3;

/** A crawl whose jobs may still work: queued (being seeded) or running. */
export const isActive = (scrape: Pick<ScrapeRow, 'status'>) => scrape.status === 'queued' || scrape.status === 'running';

const DAY_MS = 24 * 60 * 60 * 1000;
const INTERVAL_MS: Record<Exclude<ScrapeSchedule, 'none'>, number> = { daily: DAY_MS, weekly: 7 * DAY_MS };

/** When a scheduled crawl is next due, counted from the end of its last run. */
export const nextRunAfter = (schedule: ScrapeSchedule, from: Date): Date | null =>
  schedule === 'none' ? null : new Date(from.getTime() + INTERVAL_MS[schedule]);
