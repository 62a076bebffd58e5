import { LRUCache } from 'lru-cache';

import type { TSearchResponse } from './retrieval.schemas.js';

/**
 * In-process LRU of search results. The key holds each searched knowledge base's index version (bumped in the
 * database by every index change and new vectors), so a change made by another process (the worker) invalidates
 * entries here without any message passing: stale entries are simply never asked for again and age out.
 */
export const createSearchCache = (options: { maxEntries: number; ttlMs: number }) => {
  const cache = options.maxEntries > 0
    ? new LRUCache<string, TSearchResponse>({ max: options.maxEntries, ttl: options.ttlMs || undefined })
    : undefined;
  return {
    key: (parts: { tenantId: string; versions: { knowledgeBaseId: string; version: number }[]; request: unknown }) =>
      JSON.stringify([
        parts.tenantId,
        [...parts.versions].sort((a, b) => a.knowledgeBaseId.localeCompare(b.knowledgeBaseId)).map((v) => `${v.knowledgeBaseId}@${v.version}`),
        parts.request,
      ]),
    get: (key: string) => cache?.get(key),
    set: (key: string, results: TSearchResponse) => cache?.set(key, results),
  };
};
