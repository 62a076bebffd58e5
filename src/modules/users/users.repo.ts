import { and, asc, count, eq, exists, ilike, inArray, isNull, ne, or, sql } from 'drizzle-orm';

import type { TenantContext } from '../../app/context.js';
import type { Executor } from '../../db/client.js';
import { memberships, refreshTokens, roles, userPermissions, userRoles, users } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';
import { pageOffset } from '../../lib/pagination.js';
import type { TListUsersQuery, TUpdateUserBody } from './users.schemas.js';

export type UserRow = typeof users.$inferSelect;
export type MemberRow = { user: UserRow; isActive: boolean; joinedAt: Date };

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (char) => `\\${char}`);

/** Accounts are global; everything a tenant may see or change of them goes through its memberships. */
export const createUsersRepo = (db: Executor) => ({
  forTenant: (ctx: Pick<TenantContext, 'tenantId'>) => {
    const isMemberHere = () =>
      exists(
        db
          .select({ one: sql`1` })
          .from(memberships)
          .where(and(eq(memberships.tenantId, ctx.tenantId), eq(memberships.userId, users.id))),
      );
    const memberSelect = () =>
      db
        .select({ user: users, isActive: memberships.isActive, joinedAt: memberships.createdAt })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId));
    const hasRole = (key: string) =>
      exists(
        db
          .select({ one: sql`1` })
          .from(userRoles)
          .innerJoin(roles, eq(roles.id, userRoles.roleId))
          .where(and(eq(userRoles.tenantId, ctx.tenantId), eq(userRoles.userId, users.id), eq(roles.key, key))),
      );

    return {
      list: async (query: TListUsersQuery) => {
        const pattern = query.search ? `%${escapeLike(query.search)}%` : undefined;
        const where = and(
          eq(memberships.tenantId, ctx.tenantId),
          query.isActive === undefined ? undefined : eq(memberships.isActive, query.isActive),
          query.role ? hasRole(query.role) : undefined,
          pattern
            ? or(ilike(users.email, pattern), ilike(sql`${users.firstName} || ' ' || ${users.lastName}`, pattern))
            : undefined,
        );
        const [items, totals] = await Promise.all([
          memberSelect().where(where).orderBy(asc(users.firstName), asc(users.lastName), asc(users.id)).limit(query.limit).offset(pageOffset(query)),
          db.select({ total: count() }).from(memberships).innerJoin(users, eq(users.id, memberships.userId)).where(where),
        ]);
        return { items: items as MemberRow[], total: totals[0]?.total ?? 0 };
      },

      findMember: async (userId: string): Promise<MemberRow | undefined> =>
        (await memberSelect().where(and(eq(memberships.tenantId, ctx.tenantId), eq(memberships.userId, userId))))[0],

      roleKeysOf: async (userIds: string[]) => {
        const byUser = new Map<string, string[]>();
        if (userIds.length === 0) return byUser;
        const rows = await db
          .select({ userId: userRoles.userId, key: roles.key })
          .from(userRoles)
          .innerJoin(roles, eq(roles.id, userRoles.roleId))
          .where(and(eq(userRoles.tenantId, ctx.tenantId), inArray(userRoles.userId, userIds)))
          .orderBy(asc(roles.key));
        for (const row of rows) byUser.set(row.userId, [...(byUser.get(row.userId) ?? []), row.key]);
        return byUser;
      },

      insertMembership: async (userId: string) => {
        await db.insert(memberships).values({ id: newId(), tenantId: ctx.tenantId, userId });
      },

      /** Account fields change only for a member of this tenant: the membership test sits in the WHERE clause. */
      updateAccount: async (userId: string, patch: TUpdateUserBody) =>
        (
          await db
            .update(users)
            .set({ ...patch, updatedAt: sql`now()` })
            .where(and(eq(users.id, userId), isMemberHere()))
            .returning({ id: users.id })
        ).length > 0,

      setActive: async (userId: string, isActive: boolean) => {
        await db
          .update(memberships)
          .set({ isActive, updatedAt: sql`now()` })
          .where(and(eq(memberships.tenantId, ctx.tenantId), eq(memberships.userId, userId)));
      },

      /** Sessions opened in this tenant stop refreshing once the person loses access to it. */
      revokeSessions: async (userId: string) => {
        await db
          .update(refreshTokens)
          .set({ revokedAt: sql`now()` })
          .where(and(eq(refreshTokens.tenantId, ctx.tenantId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
      },

      /** Removes the membership and everything it carried here (roles, direct grants); the account is separate. */
      removeMembership: async (userId: string) => {
        await db.delete(userRoles).where(and(eq(userRoles.tenantId, ctx.tenantId), eq(userRoles.userId, userId)));
        await db.delete(userPermissions).where(and(eq(userPermissions.tenantId, ctx.tenantId), eq(userPermissions.userId, userId)));
        await db.delete(memberships).where(and(eq(memberships.tenantId, ctx.tenantId), eq(memberships.userId, userId)));
      },

      /** Memberships of this account in other tenants: while there are any, this tenant does not own the account. */
      otherTenantCount: async (userId: string) =>
        (
          await db
            .select({ total: count() })
            .from(memberships)
            .where(and(eq(memberships.userId, userId), ne(memberships.tenantId, ctx.tenantId)))
        )[0]?.total ?? 0,
    };
  },

  findByEmail: async (email: string) => (await db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`))[0],

  findById: async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0],

  insert: async (input: { email: string; firstName: string; lastName: string; passwordHash: string | null; emailVerifiedAt?: Date }) =>
    (await db.insert(users).values({ id: newId(), ...input, passwordChangedAt: input.passwordHash ? new Date() : null }).returning())[0]!,

  /** The caller's own account, from their credential; no tenant is involved. */
  updateOwn: async (userId: string, patch: TUpdateUserBody) =>
    (
      await db
        .update(users)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(users.id, userId))
        .returning({ id: users.id })
    ).length > 0,

  /** Deletes an account left without any tenant (platform admins are kept: they belong to the platform). */
  deleteIfOrphaned: async (userId: string) => {
    await db
      .delete(users)
      .where(
        and(
          eq(users.id, userId),
          eq(users.isPlatformAdmin, false),
          sql`not exists (select 1 from ${memberships} where ${memberships.userId} = ${userId})`,
        ),
      );
  },
});
