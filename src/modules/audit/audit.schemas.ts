import { z } from 'zod';

import { ZPageQuery, zPage } from '../../lib/pagination.js';

/** What `record()` accepts; `tenantId: null` is for platform-level events (e.g. signing-key rotation). */
export type AuditEntry = {
  tenantId: string | null;
  actor: { type: 'user' | 'api_key' | 'system' | 'anonymous'; id: string | null };
  action: string;
  target?: { type: string; id: string };
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  /** Facts about the change (field names, old/new non-secret values). Secret-looking keys are redacted on write. */
  metadata?: Record<string, unknown>;
};

export const ZListAuditLogsQuery = ZPageQuery.extend({
  action: z.string().trim().min(1).max(100).optional().describe('Exact action, or a prefix ending in * (e.g. auth.*)'),
  actorType: z.enum(['user', 'api_key', 'system', 'anonymous']).optional(),
  actorId: z.string().trim().min(1).max(100).optional(),
  targetType: z.string().trim().min(1).max(100).optional(),
  targetId: z.string().trim().min(1).max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Inclusive lower bound on createdAt'),
  to: z.iso.datetime({ offset: true }).optional().describe('Exclusive upper bound on createdAt'),
});
export type TListAuditLogsQuery = z.infer<typeof ZListAuditLogsQuery>;

export const ZListPlatformAuditLogsQuery = ZListAuditLogsQuery.extend({
  tenantId: z.union([z.uuid(), z.literal('platform')]).optional().describe('One tenant, or "platform" for entries of no tenant (e.g. key rotation)'),
});
export type TListPlatformAuditLogsQuery = z.infer<typeof ZListPlatformAuditLogsQuery>;

export const ZAuditLog = z
  .object({
    id: z.uuid(),
    actor: z.object({ type: z.string(), id: z.string().nullable() }),
    action: z.string(),
    target: z.object({ type: z.string(), id: z.string() }).nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'AuditLog' });
export type TAuditLog = z.infer<typeof ZAuditLog>;

export const ZAuditLogPage = zPage(ZAuditLog);

export const ZPlatformAuditLog = ZAuditLog.extend({ tenantId: z.uuid().nullable() }).meta({ id: 'PlatformAuditLog' });
export type TPlatformAuditLog = z.infer<typeof ZPlatformAuditLog>;
export const ZPlatformAuditLogPage = zPage(ZPlatformAuditLog);
