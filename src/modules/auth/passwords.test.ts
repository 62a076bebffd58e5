import { describe, expect, it } from 'vitest';

import { ZPasswordPolicy } from '../tenants/tenant-settings.schemas.js';
import { hashPassword, passwordStrength, verifyPassword } from './passwords.js';

const DEFAULT_POLICY = ZPasswordPolicy.parse({});

describe('password hashing', () => {
  it('hashes with argon2id and a random salt; verifies only the right password', async () => {
    const [first, second] = [await hashPassword('Correct-Horse-7'), await hashPassword('Correct-Horse-7')];
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword(first, 'Correct-Horse-7')).toBe(true);
    expect(await verifyPassword(first, 'correct-horse-7')).toBe(false);
    expect(await verifyPassword('not a hash', 'Correct-Horse-7')).toBe(false);
  });
});

describe('passwordStrength', () => {
  it('reports every broken policy rule and scores 0-4', () => {
    expect(passwordStrength('abc', DEFAULT_POLICY)).toMatchObject({
      isValid: false,
      reasons: ['must be at least 8 characters long', 'must contain an uppercase letter', 'must contain a number'],
    });
    expect(passwordStrength('Abcdefg1', DEFAULT_POLICY)).toEqual({ isValid: true, score: 2, reasons: [] });
    expect(passwordStrength('Abcdefg1-Abcdefg1', DEFAULT_POLICY)).toEqual({ isValid: true, score: 4, reasons: [] });
  });

  it('refuses common and single-character passwords whatever the policy says', () => {
    const lax = ZPasswordPolicy.parse({ requireUppercase: false, requireLowercase: false, requireNumber: false });
    expect(passwordStrength('qwerty12345', lax)).toMatchObject({ isValid: false, score: 0, reasons: ['is a commonly used password'] });
    expect(passwordStrength('aaaaaaaaaaaa', lax)).toMatchObject({ isValid: false, score: 0, reasons: ['repeats a single character'] });
  });
});
