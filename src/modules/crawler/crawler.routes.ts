import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { envelope, withErrors, ZErrorEnvelope, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import {
  ZCrawledPagePage,
  ZCreateScrapeBody,
  ZListPagesQuery,
  ZListScrapesQuery,
  ZReadContent,
  ZReadContentBody,
  ZScrape,
  ZScrapeId,
  ZScrapePage,
  ZUpdateScrapeBody,
} from './crawler.schemas.js';
import type { CrawlerService } from './crawler.service.js';

const tags = ['website-scrapes'];
/** Answers of routes that fetch a URL: refused address, too large, not HTML, the site failing. */
const fetchErrors = { 413: ZErrorEnvelope, 415: ZErrorEnvelope, 422: ZErrorEnvelope, 502: ZErrorEnvelope };

export const crawlerRoutes =
  (service: CrawlerService): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/website-scrapes', {
      schema: { operationId: 'createWebsiteScrape', tags, summary: 'Crawl a website into a knowledge base', body: ZCreateScrapeBody, response: { ...withErrors({ 201: zEnvelope(ZScrape) }), 422: ZErrorEnvelope } },
      config: { permission: 'knowledge:write', rateLimitCategory: 'general' },
    }, async (req, reply) => reply.status(201).send(envelope(req, await service.create(tenantCtx(req), req.body))));

    app.get('/website-scrapes', {
      schema: { operationId: 'listWebsiteScrapes', tags, summary: 'List website crawls with their progress', querystring: ZListScrapesQuery, response: withErrors({ 200: zEnvelope(ZScrapePage) }) },
      config: { permission: 'knowledge:read', rateLimitCategory: 'general' },
    }, async (req) => envelope(req, await service.list(tenantCtx(req), req.query)));

    app.post('/website-scrapes/read-content', {
      schema: { operationId: 'readWebsiteContent', tags, summary: "Preview one URL's main content without storing it", body: ZReadContentBody, response: { ...withErrors({ 200: zEnvelope(ZReadContent) }), ...fetchErrors } },
      config: { permission: 'knowledge:read', rateLimitCategory: 'general' },
    }, async (req) => envelope(req, await service.readContent(tenantCtx(req), req.body.url)));

    app.get('/website-scrapes/:id', {
      schema: { operationId: 'getWebsiteScrape', tags, summary: 'Get a website crawl with its progress', params: ZScrapeId, response: withErrors({ 200: zEnvelope(ZScrape) }) },
      config: { permission: 'knowledge:read', rateLimitCategory: 'general' },
    }, async (req) => envelope(req, await service.get(tenantCtx(req), req.params.id)));

    app.get('/website-scrapes/:id/pages', {
      schema: { operationId: 'listWebsiteScrapePages', tags, summary: 'List the pages a crawl found, with what became of each', params: ZScrapeId, querystring: ZListPagesQuery, response: withErrors({ 200: zEnvelope(ZCrawledPagePage) }) },
      config: { permission: 'knowledge:read', rateLimitCategory: 'general' },
    }, async (req) => envelope(req, await service.listPages(tenantCtx(req), req.params.id, req.query)));

    app.patch('/website-scrapes/:id', {
      schema: { operationId: 'updateWebsiteScrape', tags, summary: 'Change crawl settings or the re-sync schedule', params: ZScrapeId, body: ZUpdateScrapeBody, response: withErrors({ 200: zEnvelope(ZScrape) }) },
      config: { permission: 'knowledge:write', rateLimitCategory: 'general' },
    }, async (req) => envelope(req, await service.update(tenantCtx(req), req.params.id, req.body)));

    app.delete('/website-scrapes/:id', {
      schema: { operationId: 'deleteWebsiteScrape', tags, summary: 'Delete a crawl (its documents stay in the knowledge base)', params: ZScrapeId, response: withErrors({ 204: z.null() }) },
      config: { permission: 'knowledge:delete', rateLimitCategory: 'general' },
    }, async (req, reply) => {
      await service.remove(tenantCtx(req), req.params.id);
      return reply.status(204).send(null);
    });

    app.post('/website-scrapes/:id/stop', {
      schema: { operationId: 'stopWebsiteScrape', tags, summary: 'Stop a running crawl', params: ZScrapeId, response: withErrors({ 200: zEnvelope(ZScrape) }) },
      config: { permission: 'knowledge:write', rateLimitCategory: 'general' },
    }, async (req) => envelope(req, await service.stop(tenantCtx(req), req.params.id)));

    app.post('/website-scrapes/:id/rescrape', {
      schema: { operationId: 'rescrapeWebsiteScrape', tags, summary: 'Crawl again, skipping unchanged pages', params: ZScrapeId, response: withErrors({ 202: zEnvelope(ZScrape) }) },
      config: { permission: 'knowledge:write', rateLimitCategory: 'general' },
    }, async (req, reply) => reply.status(202).send(envelope(req, await service.rescrape(tenantCtx(req), req.params.id))));
  };
