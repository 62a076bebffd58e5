import { requirePermission, type TenantContext } from '../../app/context.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { AppError, notFound } from '../../lib/errors.js';
import { toPage } from '../../lib/pagination.js';
import { createLabelsRepo, type LabelRow } from './labels.repo.js';
import type { TCreateLabelBody, TLabel, TListLabelsQuery, TUpdateLabelBody } from './labels.schemas.js';

const toLabel = (row: LabelRow): TLabel => ({
  id: row.id,
  name: row.name,
  color: row.color,
  description: row.description,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const conflictOnDuplicate = (name: string) => (error: unknown): never => {
  if (isUniqueViolation(error)) throw new AppError('CONFLICT', `A label named "${name}" already exists`);
  throw error;
};

/** Labels tag conversations and contacts; small enough to prove the tenant plumbing every module reuses. */
export const createLabelsService = (deps: { db: Db }) => {
  const repo = createLabelsRepo(deps.db);
  return {
    create: async (ctx: TenantContext, input: TCreateLabelBody) => {
      requirePermission(ctx, 'labels:write');
      return toLabel(await repo.forTenant(ctx).insert(input).catch(conflictOnDuplicate(input.name)));
    },

    list: async (ctx: TenantContext, query: TListLabelsQuery) => {
      requirePermission(ctx, 'labels:read');
      const { items, total } = await repo.forTenant(ctx).list(query);
      return toPage(items.map(toLabel), total, query);
    },

    get: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'labels:read');
      const row = await repo.forTenant(ctx).findById(id);
      if (!row) throw notFound('Label');
      return toLabel(row);
    },

    update: async (ctx: TenantContext, id: string, patch: TUpdateLabelBody) => {
      requirePermission(ctx, 'labels:write');
      const row = await repo.forTenant(ctx).update(id, patch).catch(conflictOnDuplicate(patch.name ?? ''));
      if (!row) throw notFound('Label');
      return toLabel(row);
    },

    remove: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'labels:delete');
      if (!(await repo.forTenant(ctx).delete(id))) throw notFound('Label');
    },
  };
};

export type LabelsService = ReturnType<typeof createLabelsService>;
