import { describe, expect, it } from 'vitest';

import { REDACTED, redactSecrets } from './audit.redact.js';

describe('redactSecrets', () => {
  it('replaces secret-looking keys at any depth and keeps the rest', () => {
    const input = {
      email: 'a@example.com',
      password: 'hunter2',
      nested: { refreshToken: 'r', keyHash: 'h', apiKeyId: 'k1', list: [{ clientSecret: 's', name: 'n' }] },
      key: 'sb_live',
      scopes: ['labels:read'],
      passwordPolicy: { minLength: 12 },
      password_hash: 'x',
      APIKey: 'y',
    };
    expect(redactSecrets(input)).toEqual({
      email: 'a@example.com',
      password: REDACTED,
      nested: { refreshToken: REDACTED, keyHash: REDACTED, apiKeyId: 'k1', list: [{ clientSecret: REDACTED, name: 'n' }] },
      key: REDACTED,
      scopes: ['labels:read'],
      passwordPolicy: { minLength: 12 },
      password_hash: REDACTED,
      APIKey: REDACTED,
    });
  });

  it('leaves scalars alone', () => {
    expect(redactSecrets('x')).toBe('x');
    expect(redactSecrets(3)).toBe(3);
    expect(redactSecrets(null)).toBe(null);
  });
});
