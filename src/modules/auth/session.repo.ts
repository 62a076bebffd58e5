import { and, desc, eq, gt, isNotNull, isNull, lt, ne, or, sql } from 'drizzle-orm';

import type { Executor } from '../../db/client.js';
import { memberships, oauthStates, refreshTokens, revokedTokens, signingKeys, tenants, users, userTokens } from '../../db/schema.js';
import { newId } from '../../lib/ids.js';

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;

/** Sessions (refresh-token families), the access-token denylist and the signing keys. */
export const createSessionRepo = (db: Executor) => ({
  insertRefreshToken: async (input: {
    tenantId: string;
    userId: string;
    familyId: string;
    tokenHash: string;
    expiresAt: Date;
    ip?: string | null;
    userAgent?: string | null;
  }) => {
    await db.insert(refreshTokens).values({ id: newId(), ...input });
  },

  /**
   * Row-locked, so two concurrent refreshes with one token take turns and only the first rotates it. Comes with
   * its tenant's status and security settings (the session timeout).
   */
  findRefreshTokenForUpdate: async (tokenHash: string) =>
    (
      await db
        .select({ token: refreshTokens, tenantStatus: tenants.status, tenantSecurity: tenants.security })
        .from(refreshTokens)
        .innerJoin(tenants, eq(tenants.id, refreshTokens.tenantId))
        .where(eq(refreshTokens.tokenHash, tokenHash))
        .for('update', { of: refreshTokens })
    )[0],

  findRefreshTokenByHash: async (tokenHash: string) =>
    (await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)))[0],

  markRefreshTokenUsed: async (id: string) => {
    await db.update(refreshTokens).set({ usedAt: sql`now()` }).where(eq(refreshTokens.id, id));
  },

  revokeFamily: async (familyId: string) => {
    await db.update(refreshTokens).set({ revokedAt: sql`now()` }).where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
  },

  /** Ends every session of a user (password reset), or every one but the caller's (password update). */
  revokeUserFamilies: async (userId: string, exceptFamilyId?: string) => {
    await db
      .update(refreshTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt), exceptFamilyId ? ne(refreshTokens.familyId, exceptFamilyId) : undefined));
  },

  denyJti: async (jti: string, expiresAt: Date) => {
    await db.insert(revokedTokens).values({ jti, expiresAt }).onConflictDoNothing();
  },

  /**
   * Everything an access token's validity depends on besides its signature, in one round trip: the user is active,
   * the membership active, the tenant's status, the jti not denied, the session (family) not revoked.
   */
  accessState: async (input: { userId: string; tenantId: string; jti: string; familyId: string }) =>
    (
      await db
        .select({
          tenantStatus: tenants.status,
          tenantSecurity: tenants.security,
          isJtiDenied: sql<boolean>`exists (select 1 from ${revokedTokens} where ${revokedTokens.jti} = ${input.jti})`,
          isSessionRevoked: sql<boolean>`exists (select 1 from ${refreshTokens} where ${refreshTokens.familyId} = ${input.familyId} and ${refreshTokens.userId} = ${input.userId} and ${refreshTokens.revokedAt} is not null)`,
        })
        .from(memberships)
        .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(
          and(
            eq(memberships.tenantId, input.tenantId),
            eq(memberships.userId, input.userId),
            eq(memberships.isActive, true),
            eq(users.status, 'active'),
          ),
        )
    )[0],

  /**
   * Deletes what can no longer be used: denied jtis past their expiry, refresh tokens a day past theirs (kept a
   * little so a late reuse is still recognised), spent or expired mailed tokens and abandoned OAuth states.
   */
  pruneExpired: async () => {
    const counts = await Promise.all([
      db.delete(revokedTokens).where(lt(revokedTokens.expiresAt, sql`now()`)).returning({ jti: revokedTokens.jti }),
      db.delete(refreshTokens).where(lt(refreshTokens.expiresAt, sql`now() - interval '1 day'`)).returning({ id: refreshTokens.id }),
      db.delete(userTokens).where(or(lt(userTokens.expiresAt, sql`now()`), isNotNull(userTokens.usedAt))).returning({ id: userTokens.id }),
      db.delete(oauthStates).where(lt(oauthStates.expiresAt, sql`now()`)).returning({ stateHash: oauthStates.stateHash }),
    ]);
    return counts.map((rows) => rows.length);
  },

  insertSigningKey: async (input: { kid: string; algorithm: string; publicJwk: unknown; privateKeyEncrypted: string }) => {
    await db.insert(signingKeys).values(input);
  },

  /** Retires every active key but the given one; retired keys keep verifying until their tokens have expired. */
  retireOtherKeys: async (kid: string) => {
    await db.update(signingKeys).set({ isActive: false, retiredAt: sql`now()` }).where(and(ne(signingKeys.kid, kid), eq(signingKeys.isActive, true)));
  },

  /** Active keys, and retired ones still within the lifetime of a token they signed; newest first. */
  usableKeys: (graceSeconds: number) =>
    db
      .select()
      .from(signingKeys)
      .where(or(eq(signingKeys.isActive, true), gt(signingKeys.retiredAt, sql`now() - make_interval(secs => ${graceSeconds})`)))
      .orderBy(desc(signingKeys.isActive), desc(signingKeys.createdAt)),
});

export type SessionRepo = ReturnType<typeof createSessionRepo>;
