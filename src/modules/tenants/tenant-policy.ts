import { ZTenantSecurity, ZTenantSettings, type TPasswordPolicy, type TTenantSecurity, type TTenantSettings } from './tenant-settings.schemas.js';

/**
 * Reading a tenant's stored jsonb through the schemas fills every default, so callers never see a partial
 * document. A stored value that no longer validates (written by an older release) falls back to the defaults for
 * the whole document rather than failing the caller's request.
 */

type WithSettings = { settings: unknown };
type WithSecurity = { security: unknown };

export const settingsOf = (tenant: WithSettings): TTenantSettings => {
  const parsed = ZTenantSettings.safeParse(tenant.settings ?? {});
  return parsed.success ? parsed.data : ZTenantSettings.parse({});
};

export const securityOf = (tenant: WithSecurity): TTenantSecurity => {
  const parsed = ZTenantSecurity.safeParse(tenant.security ?? {});
  return parsed.success ? parsed.data : ZTenantSecurity.parse({});
};

/** The tenant's password rules, defaults filled in; authentication validates new passwords against it. */
export const passwordPolicyOf = (tenant: WithSecurity): TPasswordPolicy => securityOf(tenant).passwordPolicy;

/** The rules a password breaks under a policy, as readable reasons; empty means it passes. */
export const passwordPolicyViolations = (password: string, policy: TPasswordPolicy): string[] => {
  const reasons: string[] = [];
  if ([...password].length < policy.minLength) reasons.push(`must be at least ${policy.minLength} characters long`);
  if (policy.requireUppercase && !/\p{Lu}/u.test(password)) reasons.push('must contain an uppercase letter');
  if (policy.requireLowercase && !/\p{Ll}/u.test(password)) reasons.push('must contain a lowercase letter');
  if (policy.requireNumber && !/\p{Nd}/u.test(password)) reasons.push('must contain a number');
  if (policy.requireSymbol && !/[^\p{L}\p{N}\s]/u.test(password)) reasons.push('must contain a symbol');
  return reasons;
};
