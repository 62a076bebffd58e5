import { describe, expect, it } from 'vitest';

import { passwordPolicyOf, passwordPolicyViolations, securityOf, settingsOf } from './tenant-policy.js';
import { ZTenantSecurityPatch, ZTenantSettingsPatch } from './tenant-settings.schemas.js';

describe('tenant policy readers', () => {
  it('fill defaults for an empty or partial stored document', () => {
    expect(settingsOf({ settings: {} })).toEqual({
      timezone: 'UTC',
      language: 'en',
      dateFormat: 'YYYY-MM-DD',
      timeFormat: '24h',
      branding: { primaryColor: '#1f6feb', accentColor: '#6e7781', logoUrl: null },
    });
    expect(passwordPolicyOf({ security: { passwordPolicy: { minLength: 12 } } })).toEqual({
      minLength: 12,
      requireUppercase: true,
      requireLowercase: true,
      requireNumber: true,
      requireSymbol: false,
    });
    expect(securityOf({ security: {} })).toMatchObject({ sessionTimeoutMinutes: 10_080, ipAllowList: [] });
  });

  it('fall back to the defaults when a stored document no longer validates', () => {
    expect(securityOf({ security: { sessionTimeoutMinutes: 'forever' } }).sessionTimeoutMinutes).toBe(10_080);
    expect(settingsOf({ settings: null }).timezone).toBe('UTC');
  });
});

describe('passwordPolicyViolations', () => {
  const policy = { minLength: 10, requireUppercase: true, requireLowercase: true, requireNumber: true, requireSymbol: true };

  it('lists every rule a password breaks', () => {
    expect(passwordPolicyViolations('abc', policy)).toEqual([
      'must be at least 10 characters long',
      'must contain an uppercase letter',
      'must contain a number',
      'must contain a symbol',
    ]);
    expect(passwordPolicyViolations('Ünïcode-Pässwort9', policy)).toEqual([]);
  });
});

describe('settings and security patches', () => {
  it('validate time zones, languages, colours, URLs and IP entries', () => {
    expect(ZTenantSettingsPatch.parse({ timezone: 'Europe/Paris', language: 'pt-br' })).toEqual({ timezone: 'Europe/Paris', language: 'pt-BR' });
    for (const bad of [{ timezone: 'Mars/Olympus' }, { timezone: '+01:00' }, { language: 'not a tag!' }, { branding: { primaryColor: 'red' } }, { branding: { logoUrl: 'javascript:alert(1)' } }, { unknown: 1 }]) {
      expect(ZTenantSettingsPatch.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(ZTenantSecurityPatch.parse({ ipAllowList: ['10.1.2.3/8', '10.0.0.0/8', '::ffff:1.2.3.4'] })).toEqual({ ipAllowList: ['10.0.0.0/8', '1.2.3.4'] });
    expect(ZTenantSecurityPatch.safeParse({ ipAllowList: ['example.com'] }).success).toBe(false);
    expect(ZTenantSecurityPatch.safeParse({ passwordPolicy: { minLength: 4 } }).success).toBe(false);
  });
});
