import { requirePermission, type TenantContext } from '../../app/context.js';
import type { Db, Tx } from '../../db/client.js';
import { withTx } from '../../db/tx.js';
import { AppError, notFound } from '../../lib/errors.js';
import { auditSource, createAuditService } from '../audit/audit.service.js';
import { seedBuiltinRoles } from '../rbac/rbac.repo.js';
import { isIpAllowed } from './ip-allow-list.js';
import { applyTenantPatch, toTenant } from './tenant-patch.js';
import { createTenantsRepo, type TenantStatus } from './tenants.repo.js';
import type { TUpdateTenantBody } from './tenants.schemas.js';

/** Tenant lifecycle and a tenant's own settings; registration and the platform-admin service build on it. */
export const createTenantsService = (deps: { db: Db }) => {
  const repo = createTenantsRepo(deps.db);
  // Stateless, so owning one here keeps `createTenantsService({ db })` the whole wiring (scripts, tests use it).
  const audit = createAuditService({ db: deps.db });
  return {
    /**
     * A tenant is born with its built-in roles, in one transaction. Pass `tx` to create it inside a larger write
     * (registration creates the tenant and its owner together).
     */
    create: (input: { name: string }, tx?: Tx) => {
      const work = async (executor: Tx) => {
        const tenant = await createTenantsRepo(executor).insert(input);
        await seedBuiltinRoles(executor, tenant.id);
        return tenant;
      };
      return tx ? work(tx) : withTx(deps.db, work);
    },
    setStatus: async (tenantId: string, status: TenantStatus) => {
      await repo.setStatus(tenantId, status);
    },

    getOwn: async (ctx: TenantContext) => {
      requirePermission(ctx, 'tenant:read');
      const row = await repo.forTenant(ctx).find();
      if (!row) throw notFound('Tenant');
      return toTenant(row);
    },

    updateOwn: async (ctx: TenantContext, body: TUpdateTenantBody) => {
      requirePermission(ctx, 'tenant:update');
      return withTx(deps.db, async (tx) => {
        const scoped = createTenantsRepo(tx).forTenant(ctx);
        const row = await scoped.findForUpdate();
        if (!row) throw notFound('Tenant');
        const { changes, diff, next } = applyTenantPatch(row, body);
        const allowList = next.security.ipAllowList;
        // Saving a list that excludes the caller would make this the last call they can make.
        if (body.security?.ipAllowList && allowList.length > 0 && !(ctx.ip && isIpAllowed(ctx.ip, allowList))) {
          throw new AppError(
            'UNPROCESSABLE_ENTITY',
            `The IP allow-list does not include your current address ${ctx.ip ?? '(unknown)'}; saving it would lock you out. Add it (or its range) to the list.`,
            { field: 'security.ipAllowList', currentIp: ctx.ip ?? null },
          );
        }
        const updated = (await scoped.update(changes))!;
        if (Object.keys(diff).length > 0) {
          await audit.record(tx, {
            ...auditSource(ctx),
            action: 'tenant.settings_updated',
            target: { type: 'tenant', id: ctx.tenantId },
            metadata: { changes: diff },
          });
        }
        return toTenant(updated);
      });
    },
  };
};

export type TenantsService = ReturnType<typeof createTenantsService>;
