import { and, count, desc, eq, gt, isNull, sql } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { invitations, memberships, roles, tenants, userRoles } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';
import { pageOffset, type TPageQuery } from '../../lib/pagination.js';

export type InvitationRow = typeof invitations.$inferSelect;
export type InvitationWithRole = { invitation: InvitationRow; roleKey: string; roleName: string };

const isPending = () => and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt));

export const createTeamRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const scoped = (...conditions: Parameters<typeof and>) => and(eq(invitations.tenantId, ctx.tenantId), ...conditions);
    const withRole = () =>
      db
        .select({ invitation: invitations, roleKey: roles.key, roleName: roles.name })
        .from(invitations)
        .innerJoin(roles, eq(roles.id, invitations.roleId));

    return {
      insert: async (input: { email: string; roleId: string; tokenHash: string; invitedBy: string | null; expiresAt: Date }) =>
        (await db.insert(invitations).values({ id: newId(), tenantId: ctx.tenantId, ...input }).returning())[0]!,

      findPending: async (id: string): Promise<InvitationWithRole | undefined> =>
        (await withRole().where(scoped(eq(invitations.id, id), isPending())))[0],

      /** Pending = neither accepted nor revoked; expired ones stay listed (marked) so they can be resent. */
      listPending: async (query: TPageQuery) => {
        const where = scoped(isPending());
        const [items, totals] = await Promise.all([
          withRole().where(where).orderBy(desc(invitations.createdAt), desc(invitations.id)).limit(query.limit).offset(pageOffset(query)),
          db.select({ total: count() }).from(invitations).where(where),
        ]);
        return { items, total: totals[0]?.total ?? 0 };
      },

      /** An expired invitation still blocks a new one for the same address (one pending per address): clear it. */
      revokeExpiredFor: async (email: string) => {
        await db
          .update(invitations)
          .set({ revokedAt: sql`now()`, updatedAt: sql`now()` })
          .where(scoped(sql`lower(${invitations.email}) = lower(${email})`, isPending(), sql`${invitations.expiresAt} <= now()`));
      },

      revoke: async (id: string) =>
        (
          await db
            .update(invitations)
            .set({ revokedAt: sql`now()`, updatedAt: sql`now()` })
            .where(scoped(eq(invitations.id, id), isPending()))
            .returning({ id: invitations.id })
        ).length > 0,

      /** A resend issues a new token: the old link stops working, the new one gets a fresh expiry. */
      rotateToken: async (id: string, tokenHash: string, expiresAt: Date) => {
        await db
          .update(invitations)
          .set({ tokenHash, expiresAt, updatedAt: sql`now()` })
          .where(scoped(eq(invitations.id, id), isPending()));
      },

      stats: async () => {
        const [byRole, active, pending] = await Promise.all([
          db
            .select({ key: roles.key, name: roles.name, members: count(userRoles.userId) })
            .from(roles)
            .leftJoin(userRoles, and(eq(userRoles.roleId, roles.id), eq(userRoles.tenantId, roles.tenantId)))
            .where(eq(roles.tenantId, ctx.tenantId))
            .groupBy(roles.key, roles.name)
            .orderBy(roles.key),
          db
            .select({ isActive: memberships.isActive, total: count() })
            .from(memberships)
            .where(eq(memberships.tenantId, ctx.tenantId))
            .groupBy(memberships.isActive),
          db
            .select({ total: count() })
            .from(invitations)
            .where(scoped(isPending(), gt(invitations.expiresAt, sql`now()`))),
        ]);
        return { byRole, active, pendingInvitations: pending[0]?.total ?? 0 };
      },
    };
  },

  /** Accepting is public: the token's hash is what identifies the invitation (and so the tenant). */
  findAcceptable: async (tokenHash: string) =>
    (
      await db
        .select({ invitation: invitations, roleKey: roles.key, tenantName: tenants.name, tenantStatus: tenants.status })
        .from(invitations)
        .innerJoin(roles, eq(roles.id, invitations.roleId))
        .innerJoin(tenants, eq(tenants.id, invitations.tenantId))
        .where(and(eq(invitations.tokenHash, tokenHash), isPending(), gt(invitations.expiresAt, sql`now()`)))
        .for('update', { of: invitations })
    )[0],

  markAccepted: async (id: string) => {
    await db.update(invitations).set({ acceptedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(invitations.id, id));
  },
});
