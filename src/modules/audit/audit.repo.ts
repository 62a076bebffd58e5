import { and, count, desc, eq, gte, isNull, like, lt, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { auditLogs } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';
import { pageOffset } from '../../lib/pagination.js';
import type { AuditEntry, TListAuditLogsQuery, TListPlatformAuditLogsQuery } from './audit.schemas.js';

export type AuditLogRow = typeof auditLogs.$inferSelect;

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (char) => `\\${char}`);

const actionFilter = (action: string | undefined) => {
  if (!action) return undefined;
  return action.endsWith('*') ? like(auditLogs.action, `${escapeLike(action.slice(0, -1))}%`) : eq(auditLogs.action, action);
};

/** Inserts run on the caller's executor so the audit row commits (or rolls back) with the change it describes. */
export const insertAuditLog = async (executor: Executor, entry: AuditEntry & { metadata: Record<string, unknown> }) => {
  await executor.insert(auditLogs).values({
    id: newId(),
    tenantId: entry.tenantId,
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    action: entry.action,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    ip: entry.ip ?? null,
    userAgent: entry.userAgent ?? null,
    requestId: entry.requestId ?? null,
    metadata: entry.metadata,
  });
};

const queryFilters = (query: TListAuditLogsQuery): (SQL | undefined)[] => [
  actionFilter(query.action),
  query.actorType ? eq(auditLogs.actorType, query.actorType) : undefined,
  query.actorId ? eq(auditLogs.actorId, query.actorId) : undefined,
  query.targetType ? eq(auditLogs.targetType, query.targetType) : undefined,
  query.targetId ? eq(auditLogs.targetId, query.targetId) : undefined,
  query.from ? gte(auditLogs.createdAt, new Date(query.from)) : undefined,
  query.to ? lt(auditLogs.createdAt, new Date(query.to)) : undefined,
];

export const createAuditRepo = (db: Executor) => {
  const page = async (where: SQL | undefined, query: TListAuditLogsQuery) => {
    const [items, totals] = await Promise.all([
      db.select().from(auditLogs).where(where).orderBy(desc(auditLogs.createdAt), desc(auditLogs.id)).limit(query.limit).offset(pageOffset(query)),
      db.select({ total: count() }).from(auditLogs).where(where),
    ]);
    return { items, total: totals[0]?.total ?? 0 };
  };
  return {
    forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => ({
      list: (query: TListAuditLogsQuery) => page(and(eq(auditLogs.tenantId, ctx.tenantId), ...queryFilters(query)), query),
    }),

    /** Platform operators only: every tenant's entries, or (`tenantId: 'platform'`) the platform-wide ones. */
    listAcrossTenants: (query: TListPlatformAuditLogsQuery) => {
      const scope =
        query.tenantId === 'platform' ? isNull(auditLogs.tenantId) : query.tenantId ? eq(auditLogs.tenantId, query.tenantId) : undefined;
      return page(and(scope, ...queryFilters(query)), query);
    },
  };
};
