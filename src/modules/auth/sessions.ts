import type { Db, Executor } from '../../db/client.js';
import { withTx } from '../../db/tx.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { AppError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { loadAccess } from '../rbac/rbac.repo.js';
import { securityOf } from '../tenants/tenant-policy.js';
import type { AccessTokens } from './access-tokens.js';
import type { TTokens } from './auth.schemas.js';
import { createSessionRepo } from './session.repo.js';

/** Refresh tokens carry a prefix so a leaked one is recognisable (and never mistaken for an API key or a JWT). */
export const REFRESH_TOKEN_PREFIX = 'sbr_';

export type RequestMeta = { ip?: string | null; userAgent?: string | null };

const invalidRefresh = () => new AppError('AUTHENTICATION_FAILED', 'Invalid or expired refresh token');

/**
 * A session is a refresh-token family: sign-in starts one, each refresh rotates its token (the old one is marked
 * used), and a used token presented again means it was copied, so the whole family is revoked. Access tokens name
 * their family (`sid`), so revoking the session ends them too.
 */
export const createSessions = (deps: { db: Db; accessTokens: AccessTokens; refreshTtlSeconds: number }) => {
  const repo = createSessionRepo(deps.db);

  const addRefreshToken = async (executor: Executor, input: { tenantId: string; userId: string; familyId: string } & RequestMeta) => {
    const refreshToken = `${REFRESH_TOKEN_PREFIX}${randomToken(32)}`;
    await createSessionRepo(executor).insertRefreshToken({
      ...input,
      tokenHash: sha256Hex(refreshToken),
      expiresAt: new Date(Date.now() + deps.refreshTtlSeconds * 1000),
    });
    return refreshToken;
  };

  /** Signs the access token with the user's current roles and permissions; call it after the session's write commits. */
  const tokensFor = async (input: { userId: string; tenantId: string; familyId: string; refreshToken: string }) => {
    const access = await loadAccess(deps.db, { tenantId: input.tenantId, userId: input.userId });
    const issued = await deps.accessTokens.issue({ ...input, sessionId: input.familyId, ...access });
    const tokens: TTokens = { accessToken: issued.token, refreshToken: input.refreshToken, expiresIn: issued.expiresIn, tokenType: 'Bearer' };
    return { tokens, access };
  };

  return {
    /** Starts a session inside the caller's transaction (registration, sign-in); returns what `tokensFor` needs. */
    start: async (executor: Executor, input: { tenantId: string; userId: string } & RequestMeta) => {
      const familyId = newId();
      return { userId: input.userId, tenantId: input.tenantId, familyId, refreshToken: await addRefreshToken(executor, { ...input, familyId }) };
    },

    tokensFor,

    rotate: async (refreshToken: string, meta: RequestMeta) => {
      const outcome = await withTx(deps.db, async (tx) => {
        const txRepo = createSessionRepo(tx);
        const found = await txRepo.findRefreshTokenForUpdate(sha256Hex(refreshToken));
        if (!found || found.token.revokedAt) return { kind: 'invalid' as const };
        const { token } = found;
        if (token.usedAt) {
          await txRepo.revokeFamily(token.familyId);
          return { kind: 'reused' as const };
        }
        const idleMs = Date.now() - token.createdAt.getTime();
        const isIdleTooLong = idleMs > securityOf({ security: found.tenantSecurity }).sessionTimeoutMinutes * 60_000;
        if (token.expiresAt.getTime() <= Date.now() || isIdleTooLong || found.tenantStatus !== 'active') return { kind: 'invalid' as const };
        await txRepo.markRefreshTokenUsed(token.id);
        const next = await addRefreshToken(tx, { tenantId: token.tenantId, userId: token.userId, familyId: token.familyId, ...meta });
        return { kind: 'rotated' as const, userId: token.userId, tenantId: token.tenantId, familyId: token.familyId, refreshToken: next };
      });
      if (outcome.kind === 'reused') {
        throw new AppError('AUTHENTICATION_FAILED', 'This refresh token was already used: the session has been revoked, sign in again');
      }
      if (outcome.kind === 'invalid') throw invalidRefresh();
      const session = await tokensFor(outcome);
      // A removed or deactivated member keeps no session, even one that is otherwise valid.
      if (session.access.roles.length === 0 && session.access.permissions.length === 0) {
        await repo.revokeFamily(outcome.familyId);
        throw invalidRefresh();
      }
      return { ...outcome, ...session };
    },

    revokeFamily: (familyId: string) => repo.revokeFamily(familyId),

    /** The family of a refresh token, if it is one of ours (used or not): token revocation ends the whole session. */
    familyOfRefreshToken: async (refreshToken: string) => (await repo.findRefreshTokenByHash(sha256Hex(refreshToken)))?.familyId,

    revokeUserSessions: (userId: string, exceptFamilyId?: string) => repo.revokeUserFamilies(userId, exceptFamilyId),

    denyAccessToken: (jti: string, expiresAtSeconds: number) => repo.denyJti(jti, new Date(expiresAtSeconds * 1000)),

    accessState: repo.accessState,
  };
};

export type Sessions = ReturnType<typeof createSessions>;
