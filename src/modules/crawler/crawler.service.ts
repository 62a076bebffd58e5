import { OutboundBlockedError, OutboundRequestError } from '../../adapters/http/port.js';
import { requirePermission, type TenantContext } from '../../app/context.js';
import { withTx } from '../../db/tx.js';
import { AppError, notFound } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { toPage } from '../../lib/pagination.js';
import { extractHtmlContent } from '../ingestion/parsers/index.js';
import { createCrawlerRepo, type PageRow, type ScrapeRow } from './crawler.repo.js';
import type {
  TCrawledPage,
  TCreateScrapeBody,
  TListPagesQuery,
  TListScrapesQuery,
  TReadContent,
  TScrape,
  TScrapeProgress,
  TUpdateScrapeBody,
} from './crawler.schemas.js';
import { normalizeUrl } from './crawl-rules.js';
import { isActive, JOB, nextRunAfter, type CrawlerDeps } from './service/deps.js';
import { decodeHtml, isHtml } from './service/fetch-page.js';
import { queueRun } from './service/run-crawl.js';

const iso = (date: Date | null) => date?.toISOString() ?? null;

const toScrape = (row: ScrapeRow, progress: TScrapeProgress): TScrape => ({
  id: row.id,
  knowledgeBaseId: row.knowledgeBaseId,
  startUrl: row.startUrl,
  status: row.status,
  settings: row.settings,
  schedule: row.schedule,
  runCount: row.runCount,
  progress,
  lastError: row.lastError,
  startedAt: iso(row.startedAt),
  finishedAt: iso(row.finishedAt),
  nextRunAt: iso(row.nextRunAt),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const toCrawledPage = (row: PageRow): TCrawledPage => ({
  id: row.id,
  url: row.url,
  depth: row.depth,
  status: row.status,
  skipReason: row.skipReason,
  httpStatus: row.httpStatus,
  error: row.error,
  documentId: row.documentId,
  fetchedAt: iso(row.fetchedAt),
});

/** A URL the user gave that can never be fetched is their input's fault (422); the remote failing is 502. */
const toFetchError = (url: string, error: unknown): AppError => {
  if (error instanceof OutboundBlockedError) return new AppError('UNPROCESSABLE_ENTITY', `${url} may not be fetched: ${error.message}`);
  if (error instanceof OutboundRequestError) {
    if (error.reason === 'too_large') return new AppError('PAYLOAD_TOO_LARGE', `${url}: ${error.message}`);
    return new AppError('INTEGRATION_ERROR', `Fetching ${url} failed (${error.reason}): ${error.message}`);
  }
  return new AppError('INTEGRATION_ERROR', `Fetching ${url} failed: ${(error as Error).message}`);
};

const assertFetchable = (deps: CrawlerDeps, url: string) => {
  try {
    deps.http.assertAllowed(url);
  } catch (error) {
    throw toFetchError(url, error);
  }
};

/** Website crawls ("website scrapes") into a knowledge base: the API side; jobs live in service/run-crawl.ts. */
export const createCrawlerService = (deps: CrawlerDeps) => {
  const repoOf = (ctx: TenantContext) => createCrawlerRepo(deps.db).forTenant(ctx);

  const withProgress = async (ctx: TenantContext, row: ScrapeRow) => toScrape(row, (await repoOf(ctx).progressOf([row.id])).get(row.id)!);

  const findOrThrow = async (ctx: TenantContext, id: string) => {
    const row = await repoOf(ctx).findScrape(id);
    if (!row) throw notFound('Website scrape');
    return row;
  };

  return {
    create: async (ctx: TenantContext, input: TCreateScrapeBody) => {
      requirePermission(ctx, 'knowledge:write');
      await deps.knowledge.getKnowledgeBase(ctx, input.knowledgeBaseId);
      const startUrl = normalizeUrl(input.startUrl)!;
      assertFetchable(deps, startUrl);
      const row = await withTx(deps.db, async (tx) => {
        const runId = newId();
        const inserted = await createCrawlerRepo(tx).forTenant(ctx).insertScrape({
          knowledgeBaseId: input.knowledgeBaseId, startUrl, settings: input.settings, schedule: input.schedule, runId, runCount: 1,
        });
        await deps.queue.enqueue(tx, JOB.start, { tenantId: ctx.tenantId, scrapeId: inserted.id, runId }, { dedupeKey: `${inserted.id}:${runId}` });
        return inserted;
      });
      return withProgress(ctx, row);
    },

    list: async (ctx: TenantContext, query: TListScrapesQuery) => {
      requirePermission(ctx, 'knowledge:read');
      const { items, total } = await repoOf(ctx).listScrapes(query);
      const progress = await repoOf(ctx).progressOf(items.map((item) => item.id));
      return toPage(items.map((item) => toScrape(item, progress.get(item.id)!)), total, query);
    },

    get: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'knowledge:read');
      return withProgress(ctx, await findOrThrow(ctx, id));
    },

    listPages: async (ctx: TenantContext, id: string, query: TListPagesQuery) => {
      requirePermission(ctx, 'knowledge:read');
      await findOrThrow(ctx, id);
      const { items, total } = await repoOf(ctx).listPages(id, query);
      return toPage(items.map(toCrawledPage), total, query);
    },

    /** New settings apply from the next run on; a schedule change moves the next due time. */
    update: async (ctx: TenantContext, id: string, patch: TUpdateScrapeBody) => {
      requirePermission(ctx, 'knowledge:write');
      const row = await findOrThrow(ctx, id);
      const schedule = patch.schedule ?? row.schedule;
      const updated = await repoOf(ctx).updateScrape(id, {
        settings: { ...row.settings, ...patch.settings },
        schedule,
        nextRunAt: isActive(row) ? null : nextRunAfter(schedule, row.finishedAt ?? new Date()),
      });
      if (!updated) throw notFound('Website scrape');
      return withProgress(ctx, updated);
    },

    /** Deletes the crawl and its page records; the documents it created stay in the knowledge base. */
    remove: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'knowledge:delete');
      if (!(await repoOf(ctx).deleteScrape(id))) throw notFound('Website scrape');
    },

    /** Halts the run: queued page jobs see the state and do nothing, a page being fetched is not stored. */
    stop: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'knowledge:write');
      const row = await findOrThrow(ctx, id);
      const now = new Date();
      const stopped = await repoOf(ctx).transitionScrape(id, ['queued', 'running'], { status: 'stopped', finishedAt: now, nextRunAt: nextRunAfter(row.schedule, now) });
      if (!stopped) throw new AppError('CONFLICT', `This website scrape is not running (it is ${row.status})`);
      return withProgress(ctx, stopped);
    },

    /** Starts a new run over the known pages; unchanged pages are skipped by ETag / Last-Modified and content hash. */
    rescrape: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'knowledge:write');
      const row = await findOrThrow(ctx, id);
      const queued = await withTx(deps.db, (tx) => queueRun(deps, tx, ctx, row));
      if (!queued) throw new AppError('CONFLICT', 'This website scrape is already running; stop it first or wait for it to finish');
      return withProgress(ctx, queued);
    },

    /** One URL's main content as it would be stored, without storing anything. */
    readContent: async (ctx: TenantContext, url: string): Promise<TReadContent> => {
      requirePermission(ctx, 'knowledge:read');
      const response = await deps.http.fetch(url, { headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.1' } }).catch((error: unknown) => {
        throw toFetchError(url, error);
      });
      if (response.status < 200 || response.status > 299) {
        throw new AppError('INTEGRATION_ERROR', `Fetching ${url} failed: the site answered HTTP ${response.status}`, { status: response.status });
      }
      if (!isHtml(response)) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', `${url} is not an HTML page (${response.headers.get('content-type') ?? 'no content type'})`);
      }
      const extracted = extractHtmlContent(decodeHtml(response), response.url);
      return {
        url,
        finalUrl: response.url,
        status: response.status,
        title: extracted.metadata.title ?? null,
        content: extracted.text,
        links: extracted.links,
      };
    },
  };
};

export type CrawlerService = ReturnType<typeof createCrawlerService>;
