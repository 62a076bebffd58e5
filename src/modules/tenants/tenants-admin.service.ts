import type { PlatformContext } from '../../app/context.js';
import type { Db } from '../../db/client.js';
import { withTx } from '../../db/tx.js';
import { notFound } from '../../lib/errors.js';
import { toPage } from '../../lib/pagination.js';
import type { AuditEntry } from '../audit/audit.schemas.js';
import type { AuditService } from '../audit/audit.service.js';
import { applyTenantPatch, toTenant } from './tenant-patch.js';
import { createTenantsRepo, type TenantRow, type TenantStatus } from './tenants.repo.js';
import type { TAdminTenant, TListTenantsQuery, TUpdateTenantBody } from './tenants.schemas.js';

const toAdminTenant = (row: TenantRow, memberCount: number): TAdminTenant => ({ ...toTenant(row), memberCount });

/** Entries about a tenant land in that tenant's own audit log, so its admins see what the platform did to it. */
const platformAudit = (ctx: PlatformContext, tenantId: string, action: string, metadata: Record<string, unknown>): AuditEntry => ({
  tenantId,
  actor: ctx.actor,
  action,
  target: { type: 'tenant', id: tenantId },
  ip: ctx.ip ?? null,
  userAgent: ctx.userAgent ?? null,
  requestId: ctx.requestId,
  metadata: { ...metadata, platformAdmin: true },
});

/**
 * Platform operators manage every tenant. The target is always the id in the path: a PlatformContext has no
 * tenant to fall back on. The operator is not held to the target tenant's IP allow-list, which makes this the
 * way to rescue a tenant that locked itself out.
 */
export const createTenantsAdminService = (deps: { db: Db; audit: Pick<AuditService, 'record'> }) => {
  const repo = createTenantsRepo(deps.db);

  const changeStatus = (ctx: PlatformContext, tenantId: string, status: TenantStatus, reason?: string) =>
    withTx(deps.db, async (tx) => {
      const txRepo = createTenantsRepo(tx);
      const row = await txRepo.findByIdForUpdate(tenantId);
      if (!row) throw notFound('Tenant');
      // Idempotent: suspending a suspended tenant changes nothing and writes no second audit entry.
      const updated = row.status === status ? row : (await txRepo.setStatus(tenantId, status))!;
      if (row.status !== status) {
        const action = status === 'suspended' ? 'tenant.suspended' : 'tenant.reactivated';
        await deps.audit.record(tx, platformAudit(ctx, tenantId, action, reason ? { reason } : {}));
      }
      return toAdminTenant(updated, await txRepo.countMembers(tenantId));
    });

  return {
    list: async (_ctx: PlatformContext, query: TListTenantsQuery) => {
      const { items, total } = await repo.list(query);
      return toPage(items.map((item) => toAdminTenant(item.tenant, item.memberCount)), total, query);
    },

    get: async (_ctx: PlatformContext, tenantId: string) => {
      const row = await repo.findById(tenantId);
      if (!row) throw notFound('Tenant');
      return toAdminTenant(row, await repo.countMembers(tenantId));
    },

    update: async (ctx: PlatformContext, tenantId: string, body: TUpdateTenantBody) =>
      withTx(deps.db, async (tx) => {
        const txRepo = createTenantsRepo(tx);
        const row = await txRepo.findByIdForUpdate(tenantId);
        if (!row) throw notFound('Tenant');
        const { changes, diff } = applyTenantPatch(row, body);
        const updated = (await txRepo.update(tenantId, changes))!;
        if (Object.keys(diff).length > 0) await deps.audit.record(tx, platformAudit(ctx, tenantId, 'tenant.updated', { changes: diff }));
        return toAdminTenant(updated, await txRepo.countMembers(tenantId));
      }),

    suspend: (ctx: PlatformContext, tenantId: string, reason?: string) => changeStatus(ctx, tenantId, 'suspended', reason),

    reactivate: (ctx: PlatformContext, tenantId: string) => changeStatus(ctx, tenantId, 'active'),

    isPlatformAdmin: (userId: string) => repo.isActivePlatformAdmin(userId),
  };
};

export type TenantsAdminService = ReturnType<typeof createTenantsAdminService>;
