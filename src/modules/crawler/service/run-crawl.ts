import { OutboundBlockedError } from '../../../adapters/http/port.js';
import { systemContext, type TenantContext } from '../../../app/context.js';
import type { Tx } from '../../../db/client.js';
import { withTx } from '../../../db/tx.js';
import { newId } from '../../../lib/ids.js';
import { createCrawlerRepo, type PagePatch, type PageRow, type ScrapeRow } from '../crawler.repo.js';
import { normalizeUrl } from '../crawl-rules.js';
import { discoverSitemapUrls, fetchRobotsTxt, parseRobots } from '../site-discovery.js';
import { isActive, JOB, nextRunAfter, type CrawlerDeps } from './deps.js';
import { fetchPage, type PageOutcome } from './fetch-page.js';
import { recordUrls } from './record-urls.js';

export type StartPayload = { tenantId: string; scrapeId: string; runId: string };
export type PagePayload = { tenantId: string; scrapeId: string; pageId: string };
export type JobAttempt = { ctx: TenantContext; isLastAttempt: boolean };

/** Scheduled crawls started per cron tick; the rest wait for the next tick. */
const RESYNC_BATCH = 50;

/** Stranded pages (their job died) settled per cron tick. */
const STRANDED_BATCH = 500;

/**
 * Seeds are recorded in batches, each its own short transaction (on PGlite an open transaction holds every other
 * statement of the process).
 */
const SEED_BATCH = 200;

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 2000);

/** Puts a crawl on a new run in the caller's transaction and queues its start; false when it is already running. */
export const queueRun = async (deps: CrawlerDeps, tx: Tx, ctx: Pick<TenantContext, 'tenantId'>, scrape: ScrapeRow) => {
  const runId = newId();
  const row = await createCrawlerRepo(tx).forTenant(ctx).transitionScrape(scrape.id, ['completed', 'stopped', 'failed'], {
    status: 'queued', runId, runCount: scrape.runCount + 1, startedAt: null, finishedAt: null, lastError: null, nextRunAt: null, nextSlotAt: new Date(),
  });
  if (row) await deps.queue.enqueue(tx, JOB.start, { tenantId: ctx.tenantId, scrapeId: scrape.id, runId }, { dedupeKey: `${scrape.id}:${runId}` });
  return row;
};

/** Completes the run once the last page of it is settled; the caller holds the crawl's row lock. */
const finishIfDone = async (tx: Tx, scrape: ScrapeRow) => {
  const repo = createCrawlerRepo(tx).forTenant(scrape);
  if (scrape.status !== 'running' || (await repo.countRunPages(scrape.id, scrape.runId, 'queued')) > 0) return;
  const now = new Date();
  await repo.transitionScrape(scrape.id, ['running'], { status: 'completed', finishedAt: now, nextRunAt: nextRunAfter(scrape.schedule, now) });
};

const failRun = (deps: CrawlerDeps, ctx: TenantContext, scrape: ScrapeRow, message: string) =>
  withTx(deps.db, async (tx) => {
    const now = new Date();
    await createCrawlerRepo(tx).forTenant(ctx).transitionScrape(scrape.id, ['queued', 'running'], {
      status: 'failed', lastError: message, finishedAt: now, nextRunAt: nextRunAfter(scrape.schedule, now),
    });
  });

const pagePatchOf = (outcome: Exclude<PageOutcome, { kind: 'content' | 'gone' }>): PagePatch => {
  const fetchedAt = new Date();
  switch (outcome.kind) {
    case 'unchanged':
      return { status: 'unchanged', ...outcome.validators, links: outcome.links, httpStatus: outcome.httpStatus, fetchedAt };
    case 'skipped':
      return { status: 'skipped', skipReason: outcome.reason, links: outcome.links, httpStatus: outcome.httpStatus ?? null, fetchedAt };
    case 'failed':
      return { status: 'failed', error: outcome.error, httpStatus: outcome.httpStatus ?? null, fetchedAt };
  }
};

export const createCrawlRunner = (deps: CrawlerDeps) => {
  const isCurrent = async (ctx: TenantContext, scrapeId: string, runId: string) => {
    const scrape = await createCrawlerRepo(deps.db).forTenant(ctx).findScrape(scrapeId);
    return scrape !== undefined && scrape.runId === runId && isActive(scrape);
  };

  /** Stores a page's outcome, turns content into a document and records its links, all in one transaction. */
  const settlePage = (ctx: TenantContext, page: PageRow, outcome: PageOutcome) =>
    withTx(deps.db, async (tx) => {
      const repo = createCrawlerRepo(tx).forTenant(ctx);
      const scrape = await repo.lockScrape(page.scrapeId);
      // Stopped, deleted or restarted while we fetched: the result belongs to no live run.
      if (!scrape || !isActive(scrape) || scrape.runId !== page.runId) return;
      const current = await repo.findPage(page.scrapeId, page.id);
      if (current?.status !== 'queued' || current.runId !== scrape.runId) return;

      let patch: PagePatch;
      if (outcome.kind === 'gone') {
        // The site removed the page: its document must not keep answering customers.
        if (current.documentId) await deps.knowledge.removeDocumentInTx(ctx, current.documentId, { tx });
        patch = { status: 'skipped', skipReason: 'gone', documentId: null, contentHash: null, etag: null, lastModified: null, links: [], httpStatus: outcome.httpStatus, fetchedAt: new Date() };
      } else if (outcome.kind === 'content') {
        const result = await deps.knowledge.upsertDocumentFromContent(ctx, {
          knowledgeBaseId: scrape.knowledgeBaseId,
          sourceUrl: page.url,
          title: outcome.title,
          content: outcome.text,
          contentType: 'markdown',
          contentHash: outcome.contentHash,
          metadata: { source: 'website', scrapeId: scrape.id, finalUrl: outcome.finalUrl, crawledAt: new Date().toISOString() },
        }, { tx });
        const isStored = result.outcome === 'created' || result.outcome === 'updated';
        patch = {
          status: isStored ? 'fetched' : result.outcome === 'unchanged' ? 'unchanged' : 'skipped',
          skipReason: result.outcome === 'duplicate' ? 'duplicate' : null,
          documentId: result.outcome === 'duplicate' ? null : result.document.id,
          contentHash: outcome.contentHash,
          ...outcome.validators,
          links: outcome.links,
          httpStatus: outcome.httpStatus,
          fetchedAt: new Date(),
        };
      } else {
        patch = pagePatchOf(outcome);
      }
      await repo.updatePage(page.id, patch);
      const links = 'links' in outcome ? outcome.links : [];
      if (page.depth < scrape.settings.maxDepth && links.length > 0) {
        await recordUrls(deps.queue, tx, scrape, links.map((url) => ({ url, depth: page.depth + 1 })));
      }
      await finishIfDone(tx, scrape);
    });

  return {
    /** Reads robots.txt and the sitemaps, then records the seeds: start URL, sitemap pages, pages of earlier runs. */
    start: async (payload: StartPayload, attempt: JobAttempt) => {
      const { ctx } = attempt;
      const repo = createCrawlerRepo(deps.db).forTenant(ctx);
      const scrape = await repo.findScrape(payload.scrapeId);
      if (!scrape || scrape.runId !== payload.runId || !isActive(scrape)) return;
      await repo.updateScrape(scrape.id, { startedAt: scrape.startedAt ?? new Date() });

      let robotsTxt: string | null;
      try {
        robotsTxt = await fetchRobotsTxt(deps.http, scrape.startUrl);
      } catch (error) {
        if (!(error instanceof OutboundBlockedError) && !attempt.isLastAttempt) throw error;
        return failRun(deps, ctx, scrape, `robots.txt could not be read: ${errorMessage(error)}`);
      }
      const robots = parseRobots(scrape.startUrl, robotsTxt);
      const { maxPages } = scrape.settings;
      const sitemapUrls = scrape.settings.useSitemap
        ? await discoverSitemapUrls(deps.http, { startUrl: scrape.startUrl, robots, limit: maxPages, isCancelled: async () => !(await isCurrent(ctx, scrape.id, scrape.runId)) })
        : [];
      const earlier = await repo.knownPages(scrape.id, scrape.runId, maxPages);
      const seeds = [
        { url: normalizeUrl(scrape.startUrl)!, depth: 0 },
        ...sitemapUrls.map((url) => ({ url, depth: 0 })),
        ...earlier,
      ];

      // seeds always holds the start URL, so the last batch (which sets the run running) always comes.
      for (let offset = 0; offset < seeds.length; offset += SEED_BATCH) {
        const isLastBatch = offset + SEED_BATCH >= seeds.length;
        const stillActive = await withTx(deps.db, async (tx) => {
          const locked = await createCrawlerRepo(tx).forTenant(ctx).lockScrape(scrape.id);
          if (!locked || locked.runId !== scrape.runId || !isActive(locked)) return false;
          const current = { ...locked, robotsTxt };
          if (offset === 0) await createCrawlerRepo(tx).forTenant(ctx).updateScrape(scrape.id, { robotsTxt });
          await recordUrls(deps.queue, tx, current, seeds.slice(offset, offset + SEED_BATCH));
          if (!isLastBatch) return true;
          // Running only once every seed is recorded, so no page job can complete the run before that.
          const running = await createCrawlerRepo(tx).forTenant(ctx).transitionScrape(scrape.id, ['queued'], { status: 'running' });
          if (running) await finishIfDone(tx, running);
          return true;
        });
        if (!stillActive) return;
      }
    },

    page: async (payload: PagePayload, attempt: JobAttempt) => {
      const { ctx } = attempt;
      const repo = createCrawlerRepo(deps.db).forTenant(ctx);
      const [scrape, page] = await Promise.all([repo.findScrape(payload.scrapeId), repo.findPage(payload.scrapeId, payload.pageId)]);
      // Checked before any request: a stopped crawl halts at its next job.
      if (!scrape || !page || !isActive(scrape) || page.runId !== scrape.runId || page.status !== 'queued') return;
      let outcome: PageOutcome;
      try {
        outcome = await fetchPage(deps.http, scrape, page);
      } catch (error) {
        // Whatever went wrong, the last attempt settles the page: a page left queued would keep the run running.
        if (!attempt.isLastAttempt) throw error;
        outcome = { kind: 'failed', error: errorMessage(error) };
      }
      try {
        await settlePage(ctx, page, outcome);
      } catch (error) {
        if (!attempt.isLastAttempt || outcome.kind === 'failed') throw error;
        await settlePage(ctx, page, { kind: 'failed', error: `the page could not be stored: ${errorMessage(error)}` });
      }
    },

    /**
     * A page whose job died without settling it (its worker crashed on every attempt, or the last attempt could not
     * even record the failure) would keep its run running forever: the cron settles it as failed.
     */
    settleStranded: async (jobId: string) => {
      const stranded = await createCrawlerRepo(deps.db).findStrandedPages(JOB.page, STRANDED_BATCH);
      for (const row of stranded) {
        const ctx = systemContext(row.tenantId, jobId);
        const page = await createCrawlerRepo(deps.db).forTenant(ctx).findPage(row.scrapeId, row.pageId);
        if (page) await settlePage(ctx, page, { kind: 'failed', error: `the page's job failed permanently: ${row.lastError ?? 'unknown error'}`.slice(0, 2000) });
      }
      return stranded.length;
    },

    /** The re-sync cron: starts a new run of every scheduled crawl that is due and not running. */
    resyncDue: async (jobId: string) => {
      const due = await createCrawlerRepo(deps.db).findDueForResync(RESYNC_BATCH);
      for (const { id, tenantId } of due) {
        const ctx = systemContext(tenantId, jobId);
        await withTx(deps.db, async (tx) => {
          const scrape = await createCrawlerRepo(tx).forTenant(ctx).lockScrape(id);
          if (scrape) await queueRun(deps, tx, ctx, scrape);
        });
      }
      return due.length;
    },
  };
};

export type CrawlRunner = ReturnType<typeof createCrawlRunner>;
