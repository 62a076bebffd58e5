import { describe, expect, it } from 'vitest';

import { canonicalIpEntry, isIpAllowed } from './ip-allow-list.js';

describe('canonicalIpEntry', () => {
  it('accepts addresses and ranges in canonical form', () => {
    expect(canonicalIpEntry('10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalIpEntry(' 10.1.2.3/8 ')).toBe('10.0.0.0/8');
    expect(canonicalIpEntry('192.168.1.7/32')).toBe('192.168.1.7');
    expect(canonicalIpEntry('2001:0db8:0000::1')).toBe('2001:db8::1');
    expect(canonicalIpEntry('2001:db8::ff/32')).toBe('2001:db8::/32');
    expect(canonicalIpEntry('::ffff:10.0.0.9')).toBe('10.0.0.9');
  });

  it('rejects anything else', () => {
    for (const bad of ['', 'localhost', '10.0.0', '10.0.0.256', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '1.2.3.4/8/9', '*']) {
      expect(canonicalIpEntry(bad), bad).toBeUndefined();
    }
  });
});

describe('isIpAllowed', () => {
  const list = ['10.0.0.0/8', '203.0.113.7', '2001:db8::/32'];

  it('matches addresses inside an entry, including IPv4-mapped IPv6', () => {
    expect(isIpAllowed('10.200.3.4', list)).toBe(true);
    expect(isIpAllowed('203.0.113.7', list)).toBe(true);
    expect(isIpAllowed('::ffff:10.0.0.1', list)).toBe(true);
    expect(isIpAllowed('2001:db8:1::5', list)).toBe(true);
  });

  it('rejects addresses outside every entry and malformed ones', () => {
    expect(isIpAllowed('11.0.0.1', list)).toBe(false);
    expect(isIpAllowed('203.0.113.8', list)).toBe(false);
    expect(isIpAllowed('2001:db9::1', list)).toBe(false);
    expect(isIpAllowed('not-an-ip', list)).toBe(false);
    expect(isIpAllowed('127.0.0.1', [])).toBe(false);
  });
});
