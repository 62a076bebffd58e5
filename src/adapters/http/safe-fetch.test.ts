import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { OutboundBlockedError, OutboundRequestError, type OutboundConfig } from './port.js';
import { createSafeFetch } from './safe-fetch.js';

type FakeServer = { port: number; origin: string; hits: string[]; server: Server };

const startServer = async (handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<FakeServer> => {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      hits.push(`${req.method} ${req.url}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, origin: `http://127.0.0.1:${port}`, hits, server };
};

const baseConfig: OutboundConfig = { allowHosts: [], allowPorts: [], timeoutMs: 2000, maxBytes: 1_000_000, maxRedirects: 3, userAgent: 'Switchboard/test' };

describe('safe fetch', () => {
  let site: FakeServer;
  let internal: FakeServer;
  const clients: { close: () => Promise<void> }[] = [];
  const client = (overrides: Partial<OutboundConfig>) => {
    const http = createSafeFetch({ ...baseConfig, ...overrides });
    clients.push(http);
    return http;
  };

  beforeAll(async () => {
    internal = await startServer((_req, res) => res.end('internal secret'));
    site = await startServer((req, res, body) => {
      const url = new URL(req.url!, 'http://site');
      switch (url.pathname) {
        case '/hello':
          return res.setHeader('content-type', 'text/plain').end(`hello ${req.headers['user-agent']}`);
        case '/echo':
          return res.setHeader('content-type', 'application/json').end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization ?? null }));
        case '/redirect':
          return res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to')! }).end();
        case '/loop':
          return res.writeHead(302, { location: '/loop' }).end();
        case '/big-declared':
          return res.setHeader('content-length', 5000).end('x'.repeat(5000));
        case '/big-stream': {
          res.setHeader('content-type', 'text/plain');
          let sent = 0;
          const push = () => {
            if (sent >= 2_000_000 || res.destroyed) return res.end();
            sent += 16_384;
            res.write('y'.repeat(16_384), () => setImmediate(push));
          };
          return push();
        }
        case '/gzip':
          return res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(gzipSync(`gzip for ${req.headers['accept-encoding']}`));
        case '/br':
          return res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'br' }).end(brotliCompressSync('brotli text'));
        case '/gzip-bomb':
          return res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(10_000_000)));
        case '/stall':
          return res.writeHead(200, { 'content-type': 'text/plain' }).write('partial'); // never ends
        default:
          return res.writeHead(404).end();
      }
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((http) => http.close()));
    site.server.closeAllConnections();
    internal.server.closeAllConnections();
    await Promise.all([site, internal].map((fake) => new Promise((resolve) => fake.server.close(resolve))));
  });

  const allowed = () => client({ allowHosts: [`127.0.0.1:${site.port}`] });

  it('fetches from an allow-listed server, with the Switchboard user agent', async () => {
    const response = await allowed().fetch(`${site.origin}/hello`);
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('hello Switchboard/test');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.url).toBe(`${site.origin}/hello`);
  });

  it('refuses loopback unless allow-listed, both on port and on address, before any request is made', async () => {
    const before = site.hits.length;
    await expect(client({}).fetch(`${site.origin}/hello`)).rejects.toThrow(/port .* is not allowed/);
    await expect(client({ allowPorts: [site.port] }).fetch(`${site.origin}/hello`)).rejects.toThrow(OutboundBlockedError);
    await expect(client({ allowHosts: [`127.0.0.1:${site.port + 1}`], allowPorts: [site.port] }).fetch(`${site.origin}/hello`)).rejects.toThrow(/loopback/);
    expect(site.hits.length).toBe(before);
  });

  it('refuses private, metadata and IPv4-mapped literal addresses in any spelling', async () => {
    const http = client({ allowPorts: [site.port] });
    for (const url of [
      'http://10.0.0.1/', 'http://192.168.1.1/', 'http://172.16.0.1/', 'http://100.64.0.1/', 'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', `http://[::ffff:7f00:1]:${site.port}/`,
      'http://[::ffff:a9fe:a9fe]/', 'http://0x7f000001/', 'http://2130706433/', 'http://0.0.0.0/', 'http://[fe80::1]/', `http://127.1:${site.port}/`,
    ]) {
      await expect(http.fetch(url), url).rejects.toThrow(OutboundBlockedError);
    }
  });

  it('refuses other schemes, credentials in URLs and junk', async () => {
    const http = allowed();
    expect(() => http.assertAllowed('http://169.254.169.254/')).toThrow(OutboundBlockedError);
    expect(() => http.assertAllowed('https://example.com/page')).not.toThrow();
    for (const url of ['file:///etc/passwd', 'ftp://example.com/', 'gopher://127.0.0.1/', `http://user:pw@127.0.0.1:${site.port}/hello`, 'not a url']) {
      await expect(http.fetch(url), url).rejects.toThrow(OutboundBlockedError);
    }
  });

  it('refuses a hostname that resolves to loopback (checked on the resolved address at connect time)', async () => {
    const before = site.hits.length;
    const refused = await client({ allowPorts: [site.port] }).fetch(`http://localhost:${site.port}/hello`).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OutboundBlockedError);
    expect((refused as Error).message).toMatch(/^localhost resolves to .*loopback/);
    expect(site.hits.length).toBe(before);
    // An explicit allow-list entry is the only way in.
    expect((await client({ allowHosts: [`localhost:${site.port}`] }).fetch(`http://localhost:${site.port}/hello`)).status).toBe(200);
  });

  it('re-checks every redirect hop: a redirect to an internal address is refused', async () => {
    const http = client({ allowHosts: [`127.0.0.1:${site.port}`], allowPorts: [internal.port] });
    for (const to of [`${internal.origin}/`, `http://localhost:${internal.port}/`, 'http://169.254.169.254/', 'file:///etc/passwd']) {
      await expect(http.fetch(`${site.origin}/redirect?to=${encodeURIComponent(to)}`), to).rejects.toThrow(OutboundBlockedError);
    }
    expect(internal.hits).toEqual([]);
  });

  it('follows allowed redirects, limited in number, re-sending the body only on 307/308 and dropping credentials across origins', async () => {
    const http = client({ allowHosts: [`127.0.0.1:${site.port}`, `localhost:${site.port}`] });
    const to = (path: string, status: number) => `${site.origin}/redirect?status=${status}&to=${encodeURIComponent(path)}`;
    const kept = await http.fetch(to('/echo', 307), { method: 'POST', body: 'payload', headers: { authorization: 'Bearer x' } });
    expect(JSON.parse(kept.body.toString())).toEqual({ method: 'POST', body: 'payload', auth: 'Bearer x' });
    expect(kept.url).toBe(`${site.origin}/echo`);
    const seeOther = await http.fetch(to('/echo', 303), { method: 'POST', body: 'payload' });
    expect(JSON.parse(seeOther.body.toString())).toMatchObject({ method: 'GET', body: '' });
    const crossOrigin = await http.fetch(to(`http://localhost:${site.port}/echo`, 302), { headers: { authorization: 'Bearer x' } });
    expect(JSON.parse(crossOrigin.body.toString()).auth).toBeNull();
    await expect(http.fetch(`${site.origin}/loop`)).rejects.toMatchObject({ reason: 'too_many_redirects' });
    const manual = await http.fetch(to('/echo', 302), { maxRedirects: 0 }).catch((error: unknown) => error);
    expect(manual).toBeInstanceOf(OutboundRequestError);
  });

  it('caps the response size, declared or streamed', async () => {
    const http = client({ allowHosts: [`127.0.0.1:${site.port}`], maxBytes: 4096 });
    await expect(http.fetch(`${site.origin}/big-declared`)).rejects.toMatchObject({ reason: 'too_large' });
    const started = Date.now();
    await expect(http.fetch(`${site.origin}/big-stream`)).rejects.toMatchObject({ reason: 'too_large' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await http.fetch(`${site.origin}/big-declared`, { maxBytes: 5000 })).body.length).toBe(5000);
  });

  it('asks for compressed bodies, decodes them, and caps what they decode to', async () => {
    const http = client({ allowHosts: [`127.0.0.1:${site.port}`], maxBytes: 1_000_000 });
    const gzip = await http.fetch(`${site.origin}/gzip`);
    expect(gzip.body.toString()).toBe('gzip for gzip, deflate, br');
    expect((await http.fetch(`${site.origin}/br`)).body.toString()).toBe('brotli text');
    expect(await (await http.fetchLike(`${site.origin}/gzip`)).text()).toBe('gzip for gzip, deflate, br');
    // ~10 kB on the wire, 10 MB decoded.
    await expect(http.fetch(`${site.origin}/gzip-bomb`)).rejects.toMatchObject({ reason: 'too_large' });
    await expect((await http.fetchLike(`${site.origin}/gzip-bomb`)).arrayBuffer()).rejects.toMatchObject({ reason: 'too_large' });
  });

  it('caps the total time, including a body that stalls', async () => {
    const http = client({ allowHosts: [`127.0.0.1:${site.port}`] });
    const started = Date.now();
    await expect(http.fetch(`${site.origin}/stall`, { timeoutMs: 300 })).rejects.toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('caller gave up')), 50);
    await expect(http.fetch(`${site.origin}/stall`, { signal: abort.signal })).rejects.toThrow('caller gave up');
  });

  it('offers a streaming WHATWG fetch with the same guard and caps', async () => {
    const http = client({ allowHosts: [`127.0.0.1:${site.port}`], maxBytes: 4096 });
    const response = await http.fetchLike(`${site.origin}/redirect?status=308&to=%2Fecho`, {
      method: 'POST',
      body: JSON.stringify({ q: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response).toBeInstanceOf(Response);
    expect(response.url).toBe(`${site.origin}/echo`);
    expect(await response.json()).toMatchObject({ method: 'POST', body: '{"q":1}' });

    const streamed = await http.fetchLike(`${site.origin}/big-stream`);
    expect(streamed.status).toBe(200);
    await expect(streamed.text()).rejects.toMatchObject({ reason: 'too_large' });

    await expect(client({ allowPorts: [site.port] }).fetchLike(`${site.origin}/hello`)).rejects.toThrow(OutboundBlockedError);
    await expect(client({ allowPorts: [site.port] }).fetchLike(new Request(`http://localhost:${site.port}/hello`))).rejects.toThrow(OutboundBlockedError);
  });
});
