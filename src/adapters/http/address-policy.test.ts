import { BlockList } from 'node:net';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { blockedAddressReason, isBlockedAddress } from './address-policy.js';

/** An independent oracle (node's BlockList) for the ranges that must never be reachable. */
const mustBlock = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) mustBlock.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['::', 127]] as const) mustBlock.addSubnet(network, prefix, 'ipv6');

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((octets) => octets.join('.'));
const hex = (ip: string) => {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
};
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((parts) => parts.map((part) => part.toString(16)).join(':'));

describe('address classification', () => {
  it('refuses the named dangerous addresses and allows ordinary public ones', () => {
    for (const address of [
      '127.0.0.1', '10.1.2.3', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '100.100.100.200',
      '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fd00:ec2::254', 'fe80::1', 'fc00::5', 'ff02::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::127.0.0.1', '::7f00:1',
      '64:ff9b::10.0.0.1', '64:ff9b::a9fe:a9fe', '2002:7f00:1::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', 'not-an-ip',
    ]) expect(blockedAddressReason(address), address).toBeDefined();
    for (const address of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      expect(blockedAddressReason(address), address).toBeUndefined();
    }
  });

  it('blocks every IPv4 address the oracle lists', () => {
    fc.assert(fc.property(ipv4, (address) => {
      if (mustBlock.check(address, 'ipv4')) expect(isBlockedAddress(address)).toBe(true);
    }), { numRuns: 5000 });
  });

  it('judges IPv4-mapped and NAT64 IPv6 forms exactly like the IPv4 address inside', () => {
    fc.assert(fc.property(ipv4, (address) => {
      const verdict = isBlockedAddress(address);
      expect(isBlockedAddress(`::ffff:${address}`)).toBe(verdict);
      expect(isBlockedAddress(`::ffff:${hex(address)}`)).toBe(verdict);
      expect(isBlockedAddress(`64:ff9b::${address}`)).toBe(verdict);
      expect(isBlockedAddress(`::${address}`)).toBe(true); // deprecated IPv4-compatible form: never
    }), { numRuns: 3000 });
  });

  it('blocks every IPv6 address the oracle lists', () => {
    const inRange = (prefix: number[]) => ipv6.map((address) => {
      const parts = address.split(':');
      prefix.forEach((value, index) => (parts[index] = value.toString(16)));
      return parts.join(':');
    });
    fc.assert(fc.property(fc.oneof(ipv6, inRange([0xfd00]), inRange([0xfe80]), inRange([0xff02]), inRange([0, 0, 0, 0, 0, 0, 0])), (address) => {
      if (mustBlock.check(address, 'ipv6')) expect(isBlockedAddress(address), address).toBe(true);
    }), { numRuns: 5000 });
  });
});
