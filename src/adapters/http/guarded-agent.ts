import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';

import { Agent, buildConnector } from 'undici';

import { bareHost, type OutboundPolicy } from './outbound-policy.js';
import { OutboundBlockedError } from './port.js';

/** Every address a hostname resolves to, in the order the socket will try them (dns.lookup with `all: true`). */
export type ResolveHost = (hostname: string, options: LookupOptions) => Promise<LookupAddress[]>;

/**
 * The two steps of a connection the guard sits between. Production uses the defaults; tests swap in a fake DNS and a
 * connector that records dial attempts, which is how they show that a refused answer never reaches a socket.
 */
export type GuardedTransport = {
  /** Defaults to the system resolver (dns.lookup), the one Node's own sockets use. */
  resolve?: ResolveHost;
  /** Builds the connector that opens sockets, given the guarded `lookup`; defaults to undici's buildConnector. */
  buildConnector?: (options: buildConnector.BuildOptions) => buildConnector.connector;
};

const systemResolve: ResolveHost = (hostname, options) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/**
 * Resolves like dns.lookup but fails when ANY address is refused: checking at connect time, on the very addresses
 * the socket will use, is what defeats DNS rebinding (a name that resolves public for a pre-check, private later).
 */
const guardedLookup =
  (policy: OutboundPolicy, resolve: ResolveHost): LookupFunction =>
  (hostname, options, callback) => {
    const { all: isAll, ...lookupOptions } = options;
    resolve(hostname, lookupOptions).then(
      (addresses) => {
        try {
          if (addresses.length === 0) throw new OutboundBlockedError(`${hostname} has no address`);
          for (const { address } of addresses) policy.checkAddress(address, hostname);
        } catch (blocked) {
          return callback(blocked as NodeJS.ErrnoException, '', 0);
        }
        // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily), otherwise for one.
        if (isAll) return callback(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };

/**
 * An undici Agent whose every new connection passes the policy: scheme and port, literal addresses before
 * connecting, resolved addresses inside DNS lookup, and the peer address once connected (belt and braces).
 */
export const createGuardedAgent = (policy: OutboundPolicy, options: { connectTimeoutMs: number } & GuardedTransport) => {
  const build = options.buildConnector ?? buildConnector;
  const plain = build({ timeout: options.connectTimeoutMs });
  const guarded = build({ timeout: options.connectTimeoutMs, lookup: guardedLookup(policy, options.resolve ?? systemResolve) });

  const connect: buildConnector.connector = (connectOptions, callback) => {
    const hostname = bareHost(connectOptions.hostname);
    const protocol = connectOptions.protocol;
    const port = connectOptions.port ? Number(connectOptions.port) : protocol === 'https:' ? 443 : 80;
    let isAllowListed: boolean;
    try {
      isAllowListed = policy.checkTarget({ protocol, hostname, port }).isAllowListed;
    } catch (blocked) {
      return callback(blocked as Error, null);
    }
    if (isAllowListed) return plain(connectOptions, callback);
    guarded(connectOptions, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error('connect failed'), null);
      try {
        policy.checkAddress(socket.remoteAddress ?? '', hostname);
      } catch (blocked) {
        socket.destroy();
        return callback(blocked as Error, null);
      }
      callback(null, socket);
    });
  };

  return new Agent({ connect });
};
