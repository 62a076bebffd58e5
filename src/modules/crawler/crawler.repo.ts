import { and, asc, count, desc, eq, inArray, lte, ne, notInArray, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import { queryRows, type Executor } from '../../db/client.js';
import { websiteScrapePages, websiteScrapes, type PageStatus } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';
import { pageOffset } from '../../lib/pagination.js';
import type { TListPagesQuery, TListScrapesQuery, TScrapeProgress } from './crawler.schemas.js';

export type ScrapeRow = typeof websiteScrapes.$inferSelect;
export type ScrapeInsert = Omit<typeof websiteScrapes.$inferInsert, 'id' | 'tenantId'>;
export type ScrapePatch = Partial<Omit<ScrapeInsert, 'knowledgeBaseId'>>;
export type PageRow = typeof websiteScrapePages.$inferSelect;
export type PagePatch = Partial<Omit<typeof websiteScrapePages.$inferInsert, 'id' | 'tenantId' | 'scrapeId' | 'url'>>;
export type PageClaim = { url: string; depth: number; status?: Extract<PageStatus, 'queued' | 'skipped'>; skipReason?: string };

const EMPTY_PROGRESS: TScrapeProgress = { found: 0, queued: 0, fetched: 0, skipped: 0, unchanged: 0, failed: 0 };

export const createCrawlerRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const scrapeScope = (...conditions: (SQL | undefined)[]) => and(eq(websiteScrapes.tenantId, ctx.tenantId), ...conditions);
    const pageScope = (...conditions: (SQL | undefined)[]) => and(eq(websiteScrapePages.tenantId, ctx.tenantId), ...conditions);

    return {
      insertScrape: async (values: ScrapeInsert) =>
        (await db.insert(websiteScrapes).values({ id: newId(), tenantId: ctx.tenantId, ...values }).returning())[0]!,

      findScrape: async (id: string) => (await db.select().from(websiteScrapes).where(scrapeScope(eq(websiteScrapes.id, id))))[0],

      /** Serialises the jobs of one crawl that change its pages (budget, slots, completion). */
      lockScrape: async (id: string) =>
        (await db.select().from(websiteScrapes).where(scrapeScope(eq(websiteScrapes.id, id))).for('update'))[0],

      listScrapes: async (query: TListScrapesQuery) => {
        const where = scrapeScope(
          query.knowledgeBaseId ? eq(websiteScrapes.knowledgeBaseId, query.knowledgeBaseId) : undefined,
          query.status ? eq(websiteScrapes.status, query.status) : undefined,
        );
        const [items, totals] = await Promise.all([
          db.select().from(websiteScrapes).where(where).orderBy(desc(websiteScrapes.createdAt), desc(websiteScrapes.id)).limit(query.limit).offset(pageOffset(query)),
          db.select({ total: count() }).from(websiteScrapes).where(where),
        ]);
        return { items, total: totals[0]?.total ?? 0 };
      },

      /** Page counts of each crawl's current run. */
      progressOf: async (scrapeIds: string[]): Promise<Map<string, TScrapeProgress>> => {
        const progress = new Map(scrapeIds.map((id) => [id, { ...EMPTY_PROGRESS }]));
        if (scrapeIds.length === 0) return progress;
        const rows = await queryRows<{ scrape_id: string; status: PageStatus; n: number }>(db, sql`
          SELECT p.scrape_id, p.status, count(*)::int AS n
          FROM website_scrape_pages p JOIN website_scrapes s ON s.id = p.scrape_id AND s.run_id = p.run_id AND s.tenant_id = p.tenant_id
          WHERE p.tenant_id = ${ctx.tenantId} AND p.scrape_id IN (${sql.join(scrapeIds.map((id) => sql`${id}`), sql`, `)})
          GROUP BY p.scrape_id, p.status`);
        for (const row of rows) {
          const entry = progress.get(row.scrape_id)!;
          const n = Number(row.n);
          entry.found += n;
          if (row.status === 'unchanged') {
            entry.unchanged += n;
            entry.skipped += n;
          } else entry[row.status] += n;
        }
        return progress;
      },

      updateScrape: async (id: string, patch: ScrapePatch) =>
        (await db.update(websiteScrapes).set({ ...patch, updatedAt: sql`now()` }).where(scrapeScope(eq(websiteScrapes.id, id))).returning())[0],

      /** Moves a crawl to `status` only from one of `from`; undefined when it was not in one of them. */
      transitionScrape: async (id: string, from: ScrapeRow['status'][], patch: ScrapePatch) =>
        (
          await db
            .update(websiteScrapes)
            .set({ ...patch, updatedAt: sql`now()` })
            .where(scrapeScope(eq(websiteScrapes.id, id), inArray(websiteScrapes.status, from)))
            .returning()
        )[0],

      deleteScrape: async (id: string) =>
        (await db.delete(websiteScrapes).where(scrapeScope(eq(websiteScrapes.id, id))).returning({ id: websiteScrapes.id })).length > 0,

      /**
       * Records URLs for a run: new ones are inserted, ones known from an earlier run are taken over (reset, keeping
       * their ETag, hash and document for the incremental fetch); ones already in this run are left alone.
       * Returns the rows that are now this run's.
       */
      claimPages: async (scrapeId: string, runId: string, claims: PageClaim[]) => {
        if (claims.length === 0) return [];
        return db
          .insert(websiteScrapePages)
          .values(claims.map((claim) => ({
            id: newId(), tenantId: ctx.tenantId, scrapeId, runId, url: claim.url, depth: claim.depth,
            status: claim.status ?? 'queued', skipReason: claim.skipReason ?? null,
          })))
          .onConflictDoUpdate({
            target: [websiteScrapePages.scrapeId, websiteScrapePages.url],
            set: {
              runId, depth: sql`excluded.depth`, status: sql`excluded.status`, skipReason: sql`excluded.skip_reason`,
              httpStatus: null, error: null, updatedAt: sql`now()`,
            },
            setWhere: and(ne(websiteScrapePages.runId, runId), eq(websiteScrapePages.tenantId, ctx.tenantId)),
          })
          .returning({ id: websiteScrapePages.id, url: websiteScrapePages.url, status: websiteScrapePages.status });
      },

      countRunPages: async (scrapeId: string, runId: string, status?: PageStatus) =>
        (
          await db
            .select({ n: count() })
            .from(websiteScrapePages)
            .where(pageScope(eq(websiteScrapePages.scrapeId, scrapeId), eq(websiteScrapePages.runId, runId), status ? eq(websiteScrapePages.status, status) : undefined))
        )[0]?.n ?? 0,

      /** Which of `urls` this run already holds, so discovery spends its budget only on new ones. */
      runUrls: async (scrapeId: string, runId: string, urls: string[]) => {
        if (urls.length === 0) return new Set<string>();
        const rows = await db
          .select({ url: websiteScrapePages.url })
          .from(websiteScrapePages)
          .where(pageScope(eq(websiteScrapePages.scrapeId, scrapeId), eq(websiteScrapePages.runId, runId), inArray(websiteScrapePages.url, urls)));
        return new Set(rows.map((row) => row.url));
      },

      /** Pages of earlier runs, shallowest first: a rescrape revisits them. */
      knownPages: async (scrapeId: string, exceptRunId: string, limit: number) =>
        db
          .select({ url: websiteScrapePages.url, depth: websiteScrapePages.depth })
          .from(websiteScrapePages)
          .where(pageScope(eq(websiteScrapePages.scrapeId, scrapeId), ne(websiteScrapePages.runId, exceptRunId), notInArray(websiteScrapePages.status, ['skipped'])))
          .orderBy(asc(websiteScrapePages.depth), asc(websiteScrapePages.id))
          .limit(limit),

      findPage: async (scrapeId: string, pageId: string) =>
        (await db.select().from(websiteScrapePages).where(pageScope(eq(websiteScrapePages.scrapeId, scrapeId), eq(websiteScrapePages.id, pageId))))[0],

      updatePage: async (pageId: string, patch: PagePatch) =>
        (await db.update(websiteScrapePages).set({ ...patch, updatedAt: sql`now()` }).where(pageScope(eq(websiteScrapePages.id, pageId))).returning())[0],

      listPages: async (scrapeId: string, query: TListPagesQuery) => {
        const where = pageScope(eq(websiteScrapePages.scrapeId, scrapeId), query.status ? eq(websiteScrapePages.status, query.status) : undefined);
        const [items, totals] = await Promise.all([
          db.select().from(websiteScrapePages).where(where).orderBy(asc(websiteScrapePages.depth), asc(websiteScrapePages.id)).limit(query.limit).offset(pageOffset(query)),
          db.select({ total: count() }).from(websiteScrapePages).where(where),
        ]);
        return { items, total: totals[0]?.total ?? 0 };
      },
    };
  },

  /**
   * Cross-tenant, for the cron only: queued pages of running runs whose page job is dead. Ids only; settling them
   * goes back through forTenant.
   */
  findStrandedPages: async (jobName: string, limit: number) =>
    (
      await queryRows<{ tenant_id: string; scrape_id: string; page_id: string; last_error: string | null }>(db, sql`
        SELECT p.tenant_id, p.scrape_id, p.id AS page_id, j.last_error
        FROM website_scrape_pages p
          JOIN website_scrapes s ON s.id = p.scrape_id AND s.run_id = p.run_id AND s.status = 'running'
          JOIN jobs j ON j.name = ${jobName} AND j.state = 'dead' AND j.dedupe_key = p.scrape_id::text || ':' || p.id::text
        WHERE p.status = 'queued'
        LIMIT ${limit}`)
    ).map((row) => ({ tenantId: row.tenant_id, scrapeId: row.scrape_id, pageId: row.page_id, lastError: row.last_error })),

  /**
   * The re-sync cron finds scheduled crawls that are due. It returns only
   * ids and tenant ids; everything done with them goes back through forTenant.
   */
  findDueForResync: async (limit: number) =>
    db
      .select({ id: websiteScrapes.id, tenantId: websiteScrapes.tenantId })
      .from(websiteScrapes)
      .where(and(ne(websiteScrapes.schedule, 'none'), lte(websiteScrapes.nextRunAt, sql`now()`), notInArray(websiteScrapes.status, ['queued', 'running'])))
      .orderBy(asc(websiteScrapes.nextRunAt))
      .limit(limit),
});
