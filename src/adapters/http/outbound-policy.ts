import { isIP } from 'node:net';

import { blockedAddressReason } from './address-policy.js';
import { OutboundBlockedError, type OutboundConfig } from './port.js';

const DEFAULT_PORTS = [80, 443];
const SCHEMES = new Set(['http:', 'https:']);

export type Target = { protocol: string; hostname: string; port: number };

/** URL hostnames keep IPv6 literals in brackets; connectors and DNS want them bare. */
export const bareHost = (hostname: string): string =>
  (hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname).toLowerCase().replace(/\.$/, '');

export const targetOf = (url: URL): Target => ({
  protocol: url.protocol,
  hostname: bareHost(url.hostname),
  port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
});

/** `host`, `host:port`, `[v6]` or `[v6]:port`; a bare entry covers the host on the ports allowed for everyone. */
const parseAllowEntry = (entry: string): { host: string; port?: number } => {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(entry.trim());
  if (!match) throw new Error(`OUTBOUND_ALLOW_HOSTS: cannot read entry "${entry}" (use host, host:port or [v6]:port)`);
  const host = bareHost(match[1] ?? match[2]!);
  return { host: isIP(host) ? host : host.toLowerCase(), port: match[3] ? Number(match[3]) : undefined };
};

export type OutboundPolicy = ReturnType<typeof createOutboundPolicy>;

/**
 * The rules, kept apart from any transport so the connector (at connect time) and the redirect loop (before each
 * hop) apply exactly the same ones.
 */
export const createOutboundPolicy = (config: Pick<OutboundConfig, 'allowHosts' | 'allowPorts'>) => {
  const allowed = config.allowHosts.map(parseAllowEntry);
  const openPorts = new Set([...DEFAULT_PORTS, ...config.allowPorts]);

  const isAllowListed = (target: Target): boolean =>
    allowed.some((entry) => entry.host === target.hostname && (entry.port === undefined ? openPorts.has(target.port) : entry.port === target.port));

  /** Throws unless scheme and port may be used; returns whether the host skips the address check. */
  const checkTarget = (target: Target): { isAllowListed: boolean } => {
    if (!SCHEMES.has(target.protocol)) throw new OutboundBlockedError(`scheme ${target.protocol} is not allowed (http and https only)`);
    if (isAllowListed(target)) return { isAllowListed: true };
    if (!openPorts.has(target.port)) throw new OutboundBlockedError(`port ${target.port} is not allowed`);
    if (isIP(target.hostname)) checkAddress(target.hostname, target.hostname);
    return { isAllowListed: false };
  };

  const checkAddress = (address: string, hostname: string): void => {
    const reason = blockedAddressReason(address);
    if (reason) throw new OutboundBlockedError(`${hostname} resolves to ${address} (${reason}), which is not allowed`);
  };

  /** Parses and checks a URL before any connection is attempted; a clear error beats a failed connect. */
  const checkUrl = (raw: string): URL => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new OutboundBlockedError(`not a valid URL: ${raw.slice(0, 200)}`);
    }
    if (url.username || url.password) throw new OutboundBlockedError('URLs with credentials are not allowed');
    checkTarget(targetOf(url));
    return url;
  };

  return { checkTarget, checkAddress, checkUrl };
};
