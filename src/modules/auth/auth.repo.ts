import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';

import type { Executor } from '../../db/client.js';
import { memberships, oauthStates, socialAccounts, tenants, users, userTokens } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';

export type UserRow = typeof users.$inferSelect;
export type UserTokenPurpose = (typeof userTokens.$inferSelect)['purpose'];

/**
 * Accounts are global (one person, many tenants), so sign-in is the one place that looks users up before a tenant
 * is known: by e-mail, by a one-time token's hash or by a social identity. Everything tenant-bound (memberships)
 * still names its tenant in every statement.
 */
export const createAuthRepo = (db: Executor) => ({
  findUserByEmail: async (email: string) =>
    (await db.select().from(users).where(and(sql`lower(${users.email}) = lower(${email})`, eq(users.status, 'active'))))[0],

  findUserById: async (id: string) => (await db.select().from(users).where(and(eq(users.id, id), eq(users.status, 'active'))))[0],

  countUsers: async () => Number((await db.select({ total: sql<number>`count(*)` }).from(users))[0]?.total ?? 0),

  insertUser: async (input: { email: string; passwordHash: string | null; firstName: string; lastName: string; isEmailVerified: boolean }) =>
    (
      await db
        .insert(users)
        .values({
          id: newId(),
          email: input.email,
          passwordHash: input.passwordHash,
          firstName: input.firstName,
          lastName: input.lastName,
          emailVerifiedAt: input.isEmailVerified ? sql`now()` : null,
          passwordChangedAt: input.passwordHash ? sql`now()` : null,
        })
        .returning()
    )[0]!,

  setPlatformAdmin: async (userId: string, isPlatformAdmin: boolean) => {
    await db.update(users).set({ isPlatformAdmin, updatedAt: sql`now()` }).where(eq(users.id, userId));
  },

  setPassword: async (userId: string, passwordHash: string) => {
    await db.update(users).set({ passwordHash, passwordChangedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(users.id, userId));
  },

  markEmailVerified: async (userId: string) => {
    await db.update(users).set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`, updatedAt: sql`now()` }).where(eq(users.id, userId));
  },

  touchLastLogin: async (userId: string) => {
    await db.update(users).set({ lastLoginAt: sql`now()` }).where(eq(users.id, userId));
  },

  insertMembership: async (tenantId: string, userId: string) => {
    await db.insert(memberships).values({ id: newId(), tenantId, userId }).onConflictDoNothing();
  },

  /** The tenants a user may sign in to: active memberships, oldest first (the default tenant). */
  membershipsOf: (userId: string) =>
    db
      .select({ tenantId: tenants.id, name: tenants.name, status: tenants.status, security: tenants.security })
      .from(memberships)
      .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
      .where(and(eq(memberships.userId, userId), eq(memberships.isActive, true)))
      .orderBy(asc(memberships.createdAt), asc(memberships.id)),

  findTenantSecurity: async (tenantId: string) =>
    (await db.select({ security: tenants.security }).from(tenants).where(eq(tenants.id, tenantId)))[0],

  /** One-time mailed tokens: a new one replaces every unused one of the same purpose. */
  replaceUserToken: async (input: { userId: string; purpose: UserTokenPurpose; tokenHash: string; expiresAt: Date }) => {
    await db
      .update(userTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(userTokens.userId, input.userId), eq(userTokens.purpose, input.purpose), isNull(userTokens.usedAt)));
    await db.insert(userTokens).values({ id: newId(), ...input });
  },

  /**
   * Marks the token used and returns its user, atomically: a token works once, and only before it expires. With
   * `userId` (links that name their user) a token presented for another user matches nothing and stays unspent.
   */
  consumeUserToken: async (purpose: UserTokenPurpose, tokenHash: string, userId?: string) =>
    (
      await db
        .update(userTokens)
        .set({ usedAt: sql`now()` })
        .where(
          and(
            eq(userTokens.tokenHash, tokenHash),
            eq(userTokens.purpose, purpose),
            isNull(userTokens.usedAt),
            gt(userTokens.expiresAt, sql`now()`),
            userId ? eq(userTokens.userId, userId) : undefined,
          ),
        )
        .returning({ userId: userTokens.userId })
    )[0],

  findSocialAccount: async (provider: string, providerUserId: string) =>
    (
      await db
        .select({ userId: socialAccounts.userId })
        .from(socialAccounts)
        .innerJoin(users, eq(users.id, socialAccounts.userId))
        .where(and(eq(socialAccounts.provider, provider), eq(socialAccounts.providerUserId, providerUserId), eq(users.status, 'active')))
    )[0],

  linkSocialAccount: async (input: { userId: string; provider: string; providerUserId: string; email: string | null }) => {
    await db.insert(socialAccounts).values({ id: newId(), ...input }).onConflictDoNothing();
  },

  insertOAuthState: async (input: { stateHash: string; provider: string; codeVerifier: string; expiresAt: Date }) => {
    await db.insert(oauthStates).values(input);
  },

  /** Deletes and returns the state: a callback can be completed once, and only before the state expires. */
  consumeOAuthState: async (stateHash: string, provider: string) =>
    (
      await db
        .delete(oauthStates)
        .where(and(eq(oauthStates.stateHash, stateHash), eq(oauthStates.provider, provider), gt(oauthStates.expiresAt, sql`now()`)))
        .returning({ codeVerifier: oauthStates.codeVerifier })
    )[0],
});

export type AuthRepo = ReturnType<typeof createAuthRepo>;
