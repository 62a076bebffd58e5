import { z } from 'zod';

import { canonicalIpEntry } from './ip-allow-list.js';

/**
 * The shapes of `tenants.settings` and `tenants.security` (jsonb). Stored documents may be partial or empty (a new
 * tenant has `{}`), so every field has a default and reads go through these schemas (see tenant-policy.ts).
 */

const isIanaTimeZone = (value: string) => {
  // Intl accepts offsets such as "+01:00" on newer ICU; settings want a named zone so DST is handled.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};

const canonicalLocale = (value: string) => {
  try {
    return Intl.getCanonicalLocales(value)[0];
  } catch {
    return undefined;
  }
};

const ZTimeZone = z.string().trim().max(64).refine(isIanaTimeZone, 'must be an IANA time zone such as Europe/Paris or UTC');

const ZLanguage = z
  .string()
  .trim()
  .max(35)
  .transform((value, ctx) => {
    const locale = canonicalLocale(value);
    if (!locale) ctx.addIssue({ code: 'custom', message: 'must be a BCP 47 language tag such as en or pt-BR' });
    return locale ?? value;
  });

const ZHexColor = z.string().regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a hex colour like #1f6feb');

export const DATE_FORMATS = ['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY', 'D MMM YYYY'] as const;
export const TIME_FORMATS = ['24h', '12h'] as const;

export const ZBranding = z.object({
  primaryColor: ZHexColor.default('#1f6feb'),
  accentColor: ZHexColor.default('#6e7781'),
  logoUrl: z.url({ protocol: /^https?$/, hostname: z.regexes.domain }).max(2048).nullable().default(null),
});

export const ZTenantSettings = z
  .object({
    timezone: ZTimeZone.default('UTC'),
    language: ZLanguage.default('en'),
    dateFormat: z.enum(DATE_FORMATS).default('YYYY-MM-DD'),
    timeFormat: z.enum(TIME_FORMATS).default('24h'),
    branding: ZBranding.default(ZBranding.parse({})),
  })
  .meta({ id: 'TenantSettings' });
export type TTenantSettings = z.infer<typeof ZTenantSettings>;

export const ZPasswordPolicy = z
  .object({
    minLength: z.number().int().min(8).max(128).default(8),
    requireUppercase: z.boolean().default(true),
    requireLowercase: z.boolean().default(true),
    requireNumber: z.boolean().default(true),
    requireSymbol: z.boolean().default(false),
  })
  .meta({ id: 'PasswordPolicy' });
export type TPasswordPolicy = z.infer<typeof ZPasswordPolicy>;

export const MAX_IP_ALLOW_LIST = 100;

const ZIpEntry = z.string().max(64).transform((value, ctx) => {
  const canonical = canonicalIpEntry(value);
  if (!canonical) ctx.addIssue({ code: 'custom', message: `"${value}" is not an IP address or CIDR range` });
  return canonical ?? value;
});

export const ZTenantSecurity = z
  .object({
    /** Sign-in sessions (refresh-token families) end after this many minutes without use. */
    sessionTimeoutMinutes: z.number().int().min(5).max(43_200).default(10_080),
    passwordPolicy: ZPasswordPolicy.default(ZPasswordPolicy.parse({})),
    /** Empty = every address may call. Otherwise only these addresses / CIDR ranges. */
    ipAllowList: z
      .array(ZIpEntry)
      .max(MAX_IP_ALLOW_LIST)
      .transform((entries) => [...new Set(entries)])
      .default([]),
  })
  .meta({ id: 'TenantSecurity' });
export type TTenantSecurity = z.infer<typeof ZTenantSecurity>;

/** Updates replace only the fields they name, one level deep into branding and passwordPolicy. */
export const ZTenantSettingsPatch = z
  .object({
    timezone: ZTimeZone,
    language: ZLanguage,
    dateFormat: z.enum(DATE_FORMATS),
    timeFormat: z.enum(TIME_FORMATS),
    branding: z
      .object({ primaryColor: ZHexColor, accentColor: ZHexColor, logoUrl: ZBranding.shape.logoUrl.unwrap() })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export const ZTenantSecurityPatch = z
  .object({
    sessionTimeoutMinutes: ZTenantSecurity.shape.sessionTimeoutMinutes.unwrap(),
    passwordPolicy: z
      .object({
        minLength: ZPasswordPolicy.shape.minLength.unwrap(),
        requireUppercase: z.boolean(),
        requireLowercase: z.boolean(),
        requireNumber: z.boolean(),
        requireSymbol: z.boolean(),
      })
      .partial()
      .strict(),
    ipAllowList: ZTenantSecurity.shape.ipAllowList.unwrap(),
  })
  .partial()
  .strict();
