import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { crawlableLinks, createUrlFilter, isSameSite, normalizeUrl } from './crawl-rules.js';

describe('crawl rules', () => {
  it('normalises URLs: no fragment, no tracking parameters, http(s) only', () => {
    expect(normalizeUrl('https://Example.com/a?utm_source=x&id=2#top')).toBe('https://example.com/a?id=2');
    expect(normalizeUrl('/b', 'https://example.com/a/')).toBe('https://example.com/b');
    expect(normalizeUrl('mailto:someone@example.com')).toBeUndefined();
    expect(normalizeUrl('javascript:alert(1)')).toBeUndefined();
    expect(normalizeUrl('http://[bad')).toBeUndefined();
  });

  it('treats www and the bare host as one site, other hosts and ports as others', () => {
    expect(isSameSite('https://www.example.com/x', 'https://example.com/')).toBe(true);
    expect(isSameSite('http://example.com/x', 'https://example.com/')).toBe(true);
    expect(isSameSite('https://docs.example.com/x', 'https://example.com/')).toBe(false);
    expect(isSameSite('https://example.com:8443/x', 'https://example.com/')).toBe(false);
    expect(isSameSite('https://example.com.evil.test/', 'https://example.com/')).toBe(false);
  });

  it('applies include and exclude patterns to path and query, always keeping the start URL', () => {
    const start = 'https://example.com/';
    const filter = createUrlFilter({ includePatterns: ['/docs/*'], excludePatterns: ['*.pdf', '/docs/private*'] }, start);
    expect(filter(start)).toBe(true);
    expect(filter('https://example.com/docs/intro')).toBe(true);
    expect(filter('https://example.com/docs/guide.pdf')).toBe(false);
    expect(filter('https://example.com/docs/private/x')).toBe(false);
    expect(filter('https://example.com/blog/post')).toBe(false);
    expect(createUrlFilter({ includePatterns: [], excludePatterns: ['/a.b'] }, start)('https://example.com/aXb')).toBe(true);
  });

  it('keeps only same-site links that pass, each once, whatever the input', () => {
    const start = 'https://example.com/';
    const filter = createUrlFilter({ includePatterns: [], excludePatterns: ['/skip*'] }, start);
    const link = fc
      .tuple(
        fc.constantFrom('http://', 'https://', 'ftp://', ''),
        fc.constantFrom('example.com', 'www.example.com', 'example.com:8080', 'evil.test', 'example.com.evil.test'),
        fc.oneof(fc.stringMatching(/^\/[a-z/]{0,12}$/), fc.constant('/skip/1')),
        fc.constantFrom('', '#frag', '?utm_source=x', '?id=1'),
      )
      .map(([scheme, host, path, tail]) => (scheme ? `${scheme}${host}${path}${tail}` : `${path}${tail}`));
    fc.assert(fc.property(fc.array(link, { maxLength: 20 }), (links) => {
      const kept = crawlableLinks(links.map((link) => normalizeUrl(link, start) ?? link), start, filter);
      expect(new Set(kept).size).toBe(kept.length);
      for (const url of kept) {
        expect(isSameSite(url, start)).toBe(true);
        expect(new URL(url).pathname.startsWith('/skip')).toBe(false);
        expect(url.includes('#')).toBe(false);
      }
    }), { numRuns: 200 });
  });
});
