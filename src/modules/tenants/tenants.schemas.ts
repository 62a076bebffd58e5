import { z } from 'zod';

import { ZPageQuery, zPage } from '../../lib/pagination.js';
import { DATE_FORMATS, TIME_FORMATS, ZTenantSecurityPatch, ZTenantSettingsPatch } from './tenant-settings.schemas.js';

/** Request bodies validate (and canonicalise) through tenant-settings.schemas; responses use these plain shapes. */

export const ZUpdateTenantBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    settings: ZTenantSettingsPatch,
    security: ZTenantSecurityPatch,
  })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'at least one of name, settings, security is required');
export type TUpdateTenantBody = z.infer<typeof ZUpdateTenantBody>;

const ZSettingsView = z.object({
  timezone: z.string(),
  language: z.string(),
  dateFormat: z.enum(DATE_FORMATS),
  timeFormat: z.enum(TIME_FORMATS),
  branding: z.object({ primaryColor: z.string(), accentColor: z.string(), logoUrl: z.string().nullable() }),
});

const ZSecurityView = z.object({
  sessionTimeoutMinutes: z.number().int(),
  passwordPolicy: z.object({
    minLength: z.number().int(),
    requireUppercase: z.boolean(),
    requireLowercase: z.boolean(),
    requireNumber: z.boolean(),
    requireSymbol: z.boolean(),
  }),
  ipAllowList: z.array(z.string()),
});

export const ZTenant = z
  .object({
    id: z.uuid(),
    name: z.string(),
    status: z.enum(['active', 'suspended']),
    settings: ZSettingsView,
    security: ZSecurityView,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Tenant' });
export type TTenant = z.infer<typeof ZTenant>;

export const ZAdminTenant = ZTenant.extend({ memberCount: z.number().int() }).meta({ id: 'AdminTenant' });
export type TAdminTenant = z.infer<typeof ZAdminTenant>;

export const ZAdminTenantPage = zPage(ZAdminTenant);

export const ZTenantId = z.object({ id: z.uuid() });

export const ZListTenantsQuery = ZPageQuery.extend({
  search: z.string().trim().min(1).max(100).optional().describe('Part of the name, or an exact tenant id'),
  status: z.enum(['active', 'suspended']).optional(),
});
export type TListTenantsQuery = z.infer<typeof ZListTenantsQuery>;

export const ZSuspendTenantBody = z
  .object({ reason: z.string().trim().min(1).max(500).optional() })
  .strict()
  // Fastify hands a handler `null` when no body was sent: the body is optional.
  .nullish()
  .describe('Why the tenant is suspended; kept in the audit log');
