import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';

import { Agent, buildConnector } from 'undici';

import { bareHost, type OutboundPolicy } from './outbound-policy.js';
import { OutboundBlockedError } from './port.js';

/**
 * Resolves like dns.lookup but fails when ANY address is refused: checking at connect time, on the very addresses
 * the socket will use, is what defeats DNS rebinding (a name that resolves public for a pre-check, private later).
 */
const guardedLookup =
  (policy: OutboundPolicy): LookupFunction =>
  (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      try {
        if (addresses.length === 0) throw new OutboundBlockedError(`${hostname} has no address`);
        for (const { address } of addresses) policy.checkAddress(address, hostname);
      } catch (blocked) {
        return callback(blocked as NodeJS.ErrnoException, '', 0);
      }
      // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily), otherwise for one.
      if (options.all) return (callback as unknown as (error: null, all: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };

/**
 * An undici Agent whose every new connection passes the policy: scheme and port, literal addresses before
 * connecting, resolved addresses inside DNS lookup, and the peer address once connected (belt and braces).
 */
export const createGuardedAgent = (policy: OutboundPolicy, options: { connectTimeoutMs: number }) => {
  const plain = buildConnector({ timeout: options.connectTimeoutMs });
  const guarded = buildConnector({ timeout: options.connectTimeoutMs, lookup: guardedLookup(policy) });

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
