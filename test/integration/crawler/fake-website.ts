import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/** A page with enough prose for Readability to see an article. */
export const articlePage = (title: string, body: string, links: string[] = []) => `<!DOCTYPE html>
<html lang="en"><head><title>${title}</title></head>
<body>
  <nav>${links.map((href) => `<a href="${href}">${href}</a>`).join(' ')}</nav>
  <article>
    <h1>${title}</h1>
    <p>${body} This paragraph explains the topic in plain words so that customers find their answer quickly.</p>
    <p>${body} A second paragraph adds detail: opening hours, prices, delivery times and how to reach support.</p>
    <p>${body} A third paragraph closes with a summary and a pointer to the other pages of this website.</p>
  </article>
  <footer>Copyright Example Shop</footer>
</body></html>`;

type Route = { status?: number; type?: string; body: string | Buffer; etag?: string };

export type FakeWebsite = {
  origin: string;
  host: string;
  /** Every request as `METHOD /path`, in order. */
  requests: string[];
  /** Request headers by path (last request wins). */
  headers: Map<string, IncomingMessage['headers']>;
  routes: Map<string, Route>;
  hits: (path: string) => number;
  close: () => Promise<void>;
};

/**
 * A small website over real HTTP: robots.txt with a disallowed area and a sitemap index, a nested sitemap index
 * pointing at a gzipped sitemap,
 * linked pages three levels deep, and a page that answers If-None-Match with 304.
 */
export const startFakeWebsite = async (): Promise<FakeWebsite> => {
  const requests: string[] = [];
  const headers = new Map<string, IncomingMessage['headers']>();
  const routes = new Map<string, Route>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(`${req.method} ${path}`);
    headers.set(path, req.headers);
    const route = routes.get(path.split('#')[0]!);
    if (!route) return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    if (route.etag && req.headers['if-none-match'] === route.etag) return res.writeHead(304, { etag: route.etag }).end();
    res.writeHead(route.status ?? 200, { 'content-type': route.type ?? 'text/html; charset=utf-8', ...(route.etag ? { etag: route.etag } : {}) });
    res.end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  const xml = (body: string): Route => ({ type: 'application/xml', body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` });
  const urlset = (paths: string[]) =>
    xml(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${paths.map((p) => `<url><loc>${origin}${p}</loc></url>`).join('')}</urlset>`);
  const index = (paths: string[]) =>
    xml(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${paths.map((p) => `<sitemap><loc>${origin}${p}</loc></sitemap>`).join('')}</sitemapindex>`);

  routes.set('/robots.txt', { type: 'text/plain', body: `User-agent: *\nDisallow: /private\n\nSitemap: ${origin}/sitemap-index.xml\n` });
  routes.set('/sitemap-index.xml', index(['/sitemaps/pages.xml', '/sitemaps/nested-index.xml']));
  routes.set('/sitemaps/nested-index.xml', index(['/sitemaps/deep.xml.gz']));
  routes.set('/sitemaps/pages.xml', urlset(['/', '/about', '/private/secret']));
  routes.set('/sitemaps/deep.xml.gz', { type: 'application/gzip', body: gzipSync(urlset(['/deep/from-sitemap']).body) });
  routes.set('/', { body: articlePage('Example Shop', 'Welcome to the shop.', ['/about', '/products', '/products#reviews', '/private/hidden', 'https://elsewhere.example/', 'mailto:hi@example.com']) });
  routes.set('/about', { body: articlePage('About us', 'We are a family business.', ['/']), etag: '"about-v1"' });
  routes.set('/products', { body: articlePage('Products', 'Our products are handmade.', ['/products/widget']) });
  routes.set('/products/widget', { body: articlePage('Widget', 'The widget is blue.', ['/products/widget/spec']) });
  routes.set('/products/widget/spec', { body: articlePage('Widget spec', 'Too deep to be crawled.') });
  routes.set('/deep/from-sitemap', { body: articlePage('Sitemap only', 'Only the nested sitemap lists this page.') });
  routes.set('/private/hidden', { body: articlePage('Hidden', 'robots.txt forbids this.') });
  routes.set('/private/secret', { body: articlePage('Secret', 'robots.txt forbids this too.') });

  return {
    origin,
    host: `127.0.0.1:${port}`,
    requests,
    headers,
    routes,
    hits: (path) => requests.filter((request) => request.endsWith(` ${path}`)).length,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};
