import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import { connect as netConnect, isIP, type AddressInfo, type LookupFunction, type Socket } from 'node:net';

import type { buildConnector } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { GuardedTransport, ResolveHost } from './guarded-agent.js';
import { OutboundBlockedError, OutboundRequestError, type OutboundConfig } from './port.js';
import { createSafeFetch } from './safe-fetch.js';

/**
 * The guard's DNS check, driven by a fake resolver. The sandbox these tests run in reaches no address but loopback,
 * and a broken guard must not make them send a packet anywhere else, so dials go through a fake network too.
 */

type RecordingServer = { port: number; origin: string; connections: number; requests: string[]; server: Server };

/** Counts TCP connections, not requests: "refused before any connection" means not even a SYN-ACK. */
const startServer = async (): Promise<RecordingServer> => {
  const recording = { connections: 0, requests: [] as string[] } as RecordingServer;
  const server = createServer((req, res) => {
    recording.requests.push(req.url ?? '');
    const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
    if (to) res.writeHead(302, { location: to }).end();
    else res.end('internal secret');
  });
  server.on('connection', () => (recording.connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  recording.port = (server.address() as AddressInfo).port;
  recording.origin = `http://127.0.0.1:${recording.port}`;
  recording.server = server;
  return recording;
};

/** A DNS whose answers the test writes; names it does not know fail as ENOTFOUND, like the real one. */
const fakeDns = (answers: Record<string, string[]>) => {
  const asked: string[] = [];
  const resolve: ResolveHost = async (hostname) => {
    asked.push(hostname);
    const addresses = answers[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address): LookupAddress => ({ address, family: isIP(address) }));
  };
  return { resolve, asked };
};

type Dial = { hostname: string; port: number; addresses: string[] };

const isLoopback = (address: string) => address.startsWith('127.') || address === '::1';

/**
 * Stands in for undici's connector: asks the guard's lookup for the addresses exactly as net.connect does (all of
 * them, to race families) and records every dial the guard let through. Only loopback is really dialled; anything
 * else fails like an unreachable network, so even a broken guard sends nothing off this machine.
 */
const loopbackOnlyNetwork = () => {
  const dials: Dial[] = [];
  const build: NonNullable<GuardedTransport['buildConnector']> = (options) => (target, callback) => {
    const hostname = target.hostname.replace(/^\[|\]$/g, '');
    const port = Number(target.port) || 80;
    const dial = (addresses: LookupAddress[]) => {
      dials.push({ hostname, port, addresses: addresses.map((entry) => entry.address) });
      const first = addresses[0]!.address;
      if (!isLoopback(first)) {
        const unreachable = Object.assign(new Error(`connect ENETUNREACH ${first}:${port} (test network: loopback only)`), { code: 'ENETUNREACH' });
        return callback(unreachable, null);
      }
      const socket: Socket = netConnect({ host: first, port });
      socket.once('connect', () => callback(null, socket));
      socket.once('error', (error) => callback(error, null));
    };
    const lookup = (options as { lookup?: LookupFunction }).lookup;
    if (!lookup) return dial([{ address: hostname, family: isIP(hostname) }]);
    lookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, null);
      dial(addresses as LookupAddress[]);
    });
  };
  return { build: build as (options: buildConnector.BuildOptions) => buildConnector.connector, dials };
};

const baseConfig: OutboundConfig = { allowHosts: [], allowPorts: [], timeoutMs: 2000, maxBytes: 100_000, maxRedirects: 3, userAgent: 'Switchboard/test' };

describe('safe fetch: every address of a DNS answer is checked before connecting', () => {
  let internal: RecordingServer;
  let site: RecordingServer;
  const clients: { close: () => Promise<void> }[] = [];
  const client = (config: Partial<OutboundConfig>, transport: GuardedTransport) => {
    const http = createSafeFetch({ ...baseConfig, ...config }, transport);
    clients.push(http);
    return http;
  };

  beforeAll(async () => {
    internal = await startServer();
    site = await startServer();
  });
  afterAll(async () => {
    await Promise.all(clients.map((http) => http.close()));
    for (const fake of [internal, site]) fake.server.closeAllConnections();
    await Promise.all([internal, site].map((fake) => new Promise((resolve) => fake.server.close(resolve))));
  });

  const refusedAnswers: [string, string[], RegExp][] = [
    ['public then loopback', ['93.184.216.34', '127.0.0.1'], /resolves to 127\.0\.0\.1 \(loopback\)/],
    ['private then public', ['10.0.0.5', '8.8.8.8'], /resolves to 10\.0\.0\.5 \(private\)/],
    ['public IPv6 then IPv4-mapped loopback', ['2606:4700::1', '::ffff:127.0.0.1'], /resolves to ::ffff:127\.0\.0\.1 \(loopback\)/],
    ['public then metadata service', ['8.8.4.4', '169.254.169.254'], /resolves to 169\.254\.169\.254 \(linkLocal\)/],
    ['loopback only', ['127.0.0.1'], /resolves to 127\.0\.0\.1 \(loopback\)/],
    ['private only', ['10.0.0.5', '192.168.1.20'], /resolves to 10\.0\.0\.5 \(private\)/],
    ['IPv6 loopback and unique-local only', ['::1', 'fd00::5'], /resolves to ::1 \(loopback\)/],
  ];

  it.each(refusedAnswers)('refuses an answer with %s (%j) without dialling any of it', async (_label, addresses, reason) => {
    const dns = fakeDns({ 'mixed.example': addresses });
    const network = loopbackOnlyNetwork();
    const http = client({ allowPorts: [internal.port] }, { resolve: dns.resolve, buildConnector: network.build });
    const connectionsBefore = internal.connections;

    for (const attempt of [() => http.fetch(`http://mixed.example:${internal.port}/`), () => http.fetchLike(`http://mixed.example:${internal.port}/`)]) {
      const refused = await attempt().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OutboundBlockedError);
      expect((refused as Error).message).toMatch(reason);
    }
    expect(dns.asked).toEqual(['mixed.example', 'mixed.example']);
    expect(network.dials).toEqual([]);
    expect(internal.connections).toBe(connectionsBefore);
  });

  it('lets an all-public answer through to the dial, with every address', async () => {
    const dns = fakeDns({ 'public.example': ['93.184.216.34', '2606:4700::1'] });
    const network = loopbackOnlyNetwork();
    const http = client({}, { resolve: dns.resolve, buildConnector: network.build });

    const failed = await http.fetch('http://public.example/page').catch((error: unknown) => error);
    // The fake network cannot reach a public address: a network error, i.e. the guard did not refuse.
    expect(failed).toBeInstanceOf(OutboundRequestError);
    expect(failed).toMatchObject({ reason: 'network', message: expect.stringMatching(/ENETUNREACH 93\.184\.216\.34:80/) });
    expect(network.dials).toEqual([{ hostname: 'public.example', port: 80, addresses: ['93.184.216.34', '2606:4700::1'] }]);
  });

  it('refuses a redirect to a host whose answer is mixed, after the first hop only', async () => {
    const dns = fakeDns({ 'mixed.example': ['93.184.216.34', '127.0.0.1'] });
    const network = loopbackOnlyNetwork();
    const http = client({ allowHosts: [`127.0.0.1:${site.port}`], allowPorts: [internal.port] }, { resolve: dns.resolve, buildConnector: network.build });
    const connectionsBefore = internal.connections;
    const target = `http://mixed.example:${internal.port}/`;

    const refused = await http.fetch(`${site.origin}/start?to=${encodeURIComponent(target)}`).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OutboundBlockedError);
    expect((refused as Error).message).toMatch(/^mixed\.example resolves to 127\.0\.0\.1 \(loopback\)/);
    expect(site.requests).toContain(`/start?to=${encodeURIComponent(target)}`);
    expect(dns.asked).toEqual(['mixed.example']);
    expect(network.dials).toEqual([{ hostname: '127.0.0.1', port: site.port, addresses: ['127.0.0.1'] }]);
    expect(internal.connections).toBe(connectionsBefore);
  });

  it('checks the injected answer on the real undici connector too: nothing reaches the loopback server', async () => {
    const dns = fakeDns({ 'loopback.example': ['127.0.0.1'] });
    const http = client({ allowPorts: [internal.port] }, { resolve: dns.resolve });
    const connectionsBefore = internal.connections;

    const refused = await http.fetch(`http://loopback.example:${internal.port}/`).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OutboundBlockedError);
    expect(dns.asked).toEqual(['loopback.example']);
    expect(internal.connections).toBe(connectionsBefore);
    expect(internal.requests).toEqual([]);
  });

  it('passes resolver failures on as network errors', async () => {
    const http = client({}, { resolve: fakeDns({}).resolve, buildConnector: loopbackOnlyNetwork().build });
    await expect(http.fetch('http://unknown.example/')).rejects.toMatchObject({ reason: 'network', message: expect.stringMatching(/ENOTFOUND/) });
  });
});
