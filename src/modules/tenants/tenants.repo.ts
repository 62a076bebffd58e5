import { and, count, desc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { memberships, tenants, users } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';
import { pageOffset, type TPageQuery } from '../../lib/pagination.js';

export type TenantRow = typeof tenants.$inferSelect;
export type TenantStatus = TenantRow['status'];
export type TenantChanges = Partial<Pick<TenantRow, 'name' | 'settings' | 'security'>>;

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (char) => `\\${char}`);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tenants table is the one table not scoped by tenant. Tenant routes reach it through `forTenant(ctx)` (their
 * own row only); the platform-admin service and authentication are the only callers of the unscoped methods.
 */
export const createTenantsRepo = (db: Executor) => ({
  insert: async (input: { name: string }) => (await db.insert(tenants).values({ id: newId(), name: input.name }).returning())[0]!,

  setStatus: async (tenantId: string, status: TenantStatus) =>
    (await db.update(tenants).set({ status, updatedAt: sql`now()` }).where(eq(tenants.id, tenantId)).returning())[0],

  findById: async (tenantId: string) => (await db.select().from(tenants).where(eq(tenants.id, tenantId)))[0],

  /** Row-locks the tenant for a read-modify-write of its settings (concurrent updates must not lose a change). */
  findByIdForUpdate: async (tenantId: string) => (await db.select().from(tenants).where(eq(tenants.id, tenantId)).for('update'))[0],

  update: async (tenantId: string, changes: TenantChanges) =>
    (await db.update(tenants).set({ ...changes, updatedAt: sql`now()` }).where(eq(tenants.id, tenantId)).returning())[0],

  /** Status and security only: what the per-request access check needs. */
  list: async (query: TPageQuery & { search?: string; status?: TenantStatus }) => {
    const search = query.search
      ? or(ilike(tenants.name, `%${escapeLike(query.search)}%`), UUID.test(query.search) ? eq(tenants.id, query.search) : undefined)
      : undefined;
    const where = and(search, query.status ? eq(tenants.status, query.status) : undefined);
    const memberCount = db
      .select({ tenantId: memberships.tenantId, members: count().as('members') })
      .from(memberships)
      .groupBy(memberships.tenantId)
      .as('member_counts');
    const [items, totals] = await Promise.all([
      db
        .select({ tenant: tenants, memberCount: sql<number>`coalesce(${memberCount.members}, 0)::int` })
        .from(tenants)
        .leftJoin(memberCount, eq(memberCount.tenantId, tenants.id))
        .where(where as SQL | undefined)
        .orderBy(desc(tenants.createdAt), desc(tenants.id))
        .limit(query.limit)
        .offset(pageOffset(query)),
      db.select({ total: count() }).from(tenants).where(where),
    ]);
    return { items, total: totals[0]?.total ?? 0 };
  },

  countMembers: async (tenantId: string) =>
    (await db.select({ total: count() }).from(memberships).where(eq(memberships.tenantId, tenantId)))[0]?.total ?? 0,

  /** Platform rights come from the users table on every call, so revoking them takes effect at once. */
  isActivePlatformAdmin: async (userId: string) =>
    (
      await db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.id, userId), eq(users.isPlatformAdmin, true), eq(users.status, 'active')))
    ).length > 0,

  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => ({
    find: async () => (await db.select().from(tenants).where(eq(tenants.id, ctx.tenantId)))[0],
    findForUpdate: async () => (await db.select().from(tenants).where(eq(tenants.id, ctx.tenantId)).for('update'))[0],
    update: async (changes: TenantChanges) =>
      (await db.update(tenants).set({ ...changes, updatedAt: sql`now()` }).where(eq(tenants.id, ctx.tenantId)).returning())[0],
  }),
});
