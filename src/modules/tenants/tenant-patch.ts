import type { TenantChanges, TenantRow } from './tenants.repo.js';
import type { TTenant, TUpdateTenantBody } from './tenants.schemas.js';
import { securityOf, settingsOf } from './tenant-policy.js';

export type FieldChange = { from: unknown; to: unknown };

const leafChanges = (before: unknown, after: unknown, path: string, out: Record<string, FieldChange>) => {
  const isObject = (value: unknown) => value !== null && typeof value === 'object' && !Array.isArray(value);
  if (isObject(before) && isObject(after)) {
    const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
    for (const key of keys) {
      leafChanges((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key], `${path}.${key}`, out);
    }
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out[path.slice(1)] = { from: before ?? null, to: after ?? null };
};

/**
 * Merges an update into the stored tenant: fields not named keep their value, one level deep into branding and
 * passwordPolicy; lists (the IP allow-list) are replaced whole. Returns the columns to write and a leaf-level diff
 * for the audit log (settings and security hold no secrets, so values are recorded).
 */
export const applyTenantPatch = (row: TenantRow, body: TUpdateTenantBody) => {
  const settings = settingsOf(row);
  const security = securityOf(row);
  const next = {
    name: body.name ?? row.name,
    settings: body.settings ? { ...settings, ...body.settings, branding: { ...settings.branding, ...body.settings.branding } } : settings,
    security: body.security
      ? { ...security, ...body.security, passwordPolicy: { ...security.passwordPolicy, ...body.security.passwordPolicy } }
      : security,
  };
  const diff: Record<string, FieldChange> = {};
  leafChanges({ name: row.name, settings, security }, next, '', diff);
  const changes: TenantChanges = {
    ...(body.name !== undefined && { name: next.name }),
    ...(body.settings && { settings: next.settings }),
    ...(body.security && { security: next.security }),
  };
  return { changes, diff, next };
};

export const toTenant = (row: TenantRow): TTenant => ({
  id: row.id,
  name: row.name,
  status: row.status,
  settings: settingsOf(row),
  security: securityOf(row),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});
