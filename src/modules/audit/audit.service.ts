import { requirePermission, type PlatformContext, type TenantContext } from '../../app/context.js';
import type { Db, Executor } from '../../db/client.js';
import { toPage } from '../../lib/pagination.js';
import { redactSecrets } from './audit.redact.js';
import { createAuditRepo, insertAuditLog, type AuditLogRow } from './audit.repo.js';
import type { AuditEntry, TAuditLog, TListAuditLogsQuery, TListPlatformAuditLogsQuery, TPlatformAuditLog } from './audit.schemas.js';

const toAuditLog = (row: AuditLogRow): TAuditLog => ({
  id: row.id,
  actor: { type: row.actorType, id: row.actorId },
  action: row.action,
  target: row.targetType && row.targetId ? { type: row.targetType, id: row.targetId } : null,
  ip: row.ip,
  userAgent: row.userAgent,
  requestId: row.requestId,
  metadata: row.metadata as Record<string, unknown>,
  createdAt: row.createdAt.toISOString(),
});

/**
 * The who/where of an entry taken from a request's context, so callers only add what happened:
 * `audit.record(tx, { ...auditSource(ctx), action: 'api_key.created', target: { type: 'api_key', id } })`.
 */
export const auditSource = (ctx: TenantContext) => ({
  tenantId: ctx.tenantId,
  actor: ctx.actor,
  requestId: ctx.requestId,
  ip: ctx.ip ?? null,
  userAgent: ctx.userAgent ?? null,
});

/** The audit trail: sign-ins, keys, roles, invitations, settings. Every module writes through `record()`. */
export const createAuditService = (deps: { db: Db }) => {
  const repo = createAuditRepo(deps.db);
  return {
    /** Pass the open transaction of the change being audited (or the db for standalone events like a failed login). */
    record: async (executor: Executor, entry: AuditEntry): Promise<void> => {
      await insertAuditLog(executor, { ...entry, metadata: redactSecrets(entry.metadata ?? {}) as Record<string, unknown> });
    },

    list: async (ctx: TenantContext, query: TListAuditLogsQuery) => {
      requirePermission(ctx, 'audit:read');
      const { items, total } = await repo.forTenant(ctx).list(query);
      return toPage(items.map(toAuditLog), total, query);
    },

    /** A PlatformContext exists only for a verified platform admin (src/app/plugins/platform-admin.ts). */
    listForPlatform: async (_ctx: PlatformContext, query: TListPlatformAuditLogsQuery) => {
      const { items, total } = await repo.listAcrossTenants(query);
      return toPage(items.map((row): TPlatformAuditLog => ({ ...toAuditLog(row), tenantId: row.tenantId })), total, query);
    },
  };
};

export type AuditService = ReturnType<typeof createAuditService>;
