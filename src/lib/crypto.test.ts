import { describe, expect, it } from 'vitest';

import { openSecret, sealSecret } from './crypto.js';

const KEY = 'a'.repeat(64);
const OTHER_KEY = 'b'.repeat(64);

describe('sealSecret / openSecret (AES-256-GCM)', () => {
  it('round-trips and uses a fresh IV each time', () => {
    const first = sealSecret(KEY, 'private key material', 'kid-1');
    const second = sealSecret(KEY, 'private key material', 'kid-1');
    expect(first).not.toBe(second);
    expect(first).toMatch(/^v1\./);
    expect(first).not.toContain('private key material');
    expect(openSecret(KEY, first, 'kid-1')).toBe('private key material');
  });

  it('refuses another key, another context and any tampering', () => {
    const sealed = sealSecret(KEY, 'secret', 'kid-1');
    expect(() => openSecret(OTHER_KEY, sealed, 'kid-1')).toThrow();
    expect(() => openSecret(KEY, sealed, 'kid-2')).toThrow();
    const [version, iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => openSecret(KEY, [version, iv, tag, flipped.toString('base64url')].join('.'), 'kid-1')).toThrow();
    expect(() => openSecret(KEY, 'not sealed', 'kid-1')).toThrow('not a sealed secret');
    expect(() => sealSecret('abcd', 'x')).toThrow('32-byte key');
  });
});
