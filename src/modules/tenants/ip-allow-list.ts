import ipaddr from 'ipaddr.js';

/**
 * IP allow-list entries are single addresses or CIDR ranges, IPv4 or IPv6. Entries are stored canonical
 * (network address of a range, compressed IPv6) so that the list a tenant reads back is the list that is enforced.
 */

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** IPv4-mapped IPv6 (::ffff:10.0.0.1, what a dual-stack socket reports) is compared as the IPv4 it carries. */
const parseAddress = (value: string) => ipaddr.process(value);

const parseRange = (entry: string): Range => {
  if (!entry.includes('/')) {
    const address = parseAddress(entry);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  }
  const [address, bits] = ipaddr.parseCIDR(entry);
  const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(entry) : ipaddr.IPv6.networkAddressFromCIDR(entry);
  return [network, bits];
};

/** Strict forms only: ipaddr.isValid also takes legacy inet_aton shapes such as "10.0.0" or hex octets. */
const isStrictAddress = (value: string) => ipaddr.IPv4.isValidFourPartDecimal(value) || ipaddr.IPv6.isValid(value);

/** The canonical form of an entry, or undefined when it is neither an IP address nor a CIDR range. */
export const canonicalIpEntry = (entry: string): string | undefined => {
  const value = entry.trim();
  if (!isStrictAddress(value.split('/')[0] ?? '') || (value.includes('/') && !isValidCidr(value))) return undefined;
  const [network, bits] = parseRange(value);
  const full = network.kind() === 'ipv4' ? 32 : 128;
  return bits === full ? network.toString() : `${network.toString()}/${bits}`;
};

const isValidCidr = (value: string) => {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
};

/** True when `ip` lies in any entry; a malformed caller address matches nothing. Entries must be canonical. */
export const isIpAllowed = (ip: string, allowList: readonly string[]): boolean => {
  if (!ipaddr.isValid(ip)) return false;
  const address = parseAddress(ip);
  return allowList.some((entry) => {
    const [network, bits] = parseRange(entry);
    return network.kind() === address.kind() && address.match(network, bits);
  });
};
