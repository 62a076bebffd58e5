import { isIP } from 'node:net';

import ipaddr from 'ipaddr.js';

/**
 * ipaddr.js reads any dotted tail as IPv4-mapped (it parses ::1.2.3.4 as ::ffff:1.2.3.4), so IPv6 text is first
 * rewritten to pure hex by the WHATWG URL parser (the same one that reads our URLs); a zone id is dropped.
 */
const canonicalIpv6 = (address: string): string => new URL(`http://[${address.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);

/**
 * Decides whether an IP address may be connected to. Only ipaddr.js's `unicast` class passes: private, loopback,
 * link-local (incl. the 169.254.169.254 metadata service), CGNAT, multicast, unspecified, broadcast, reserved and
 * documentation ranges, and IPv6 ULA (incl. fd00:ec2::254), link-local, site-local, 6to4, Teredo... are all refused.
 * IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96) are judged by that IPv4
 * address; the deprecated IPv4-compatible form ::a.b.c.d is refused outright (ipaddr.js would call it unicast).
 */
export const blockedAddressReason = (address: string): string | undefined => {
  const version = isIP(address.replace(/%.*$/, ''));
  if (version === 0) return 'not an IP address';
  const parsed = ipaddr.parse(version === 6 ? canonicalIpv6(address) : address);
  if (parsed.kind() === 'ipv4') {
    const range = parsed.range();
    return range === 'unicast' ? undefined : range;
  }
  const ipv6 = parsed as ipaddr.IPv6;
  const range = ipv6.range();
  if (range === 'ipv4Mapped') return blockedAddressReason(ipv6.toIPv4Address().toString());
  if (range === 'rfc6052' && ipv6.match(ipaddr.IPv6.parse('64:ff9b::'), 96)) {
    return blockedAddressReason(ipaddr.fromByteArray(ipv6.toByteArray().slice(12)).toString());
  }
  if (range === 'unicast' && ipv6.parts.slice(0, 6).every((part) => part === 0)) return 'ipv4Compatible';
  return range === 'unicast' ? undefined : range;
};

export const isBlockedAddress = (address: string): boolean => blockedAddressReason(address) !== undefined;
