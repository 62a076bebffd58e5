import { LRUCache } from 'lru-cache';

import { can, requirePermission, type TenantContext } from '../../app/context.js';
import type { Authenticator } from '../../app/plugins/auth.js';
import { tenantAccessOf } from '../../app/plugins/tenant-access.js';
import { createCachedReads } from '../../db/cached-reads.js';
import type { ChangeFeed } from '../../db/change-feed.js';
import type { Db } from '../../db/client.js';
import { withTx } from '../../db/tx.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { AppError, notFound } from '../../lib/errors.js';
import { toPage, type TPageQuery } from '../../lib/pagination.js';
import { auditSource, type AuditService } from '../audit/audit.service.js';
import { isKnownPermission, PERMISSION_CATALOGUE, type PermissionModule } from '../rbac/permissions.js';
import { createApiKeysRepo, type ApiKeyRow } from './api-keys.repo.js';
import type { TApiKey, TCreateApiKeyBody } from './api-keys.schemas.js';

export const API_KEY_PREFIX = 'sb_';

export type CreatedApiKey = { id: string; name: string; prefix: string; scopes: string[]; secret: string };

const toApiKey = (row: ApiKeyRow, now = new Date()): TApiKey => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes,
  status: row.revokedAt ? 'revoked' : row.expiresAt && row.expiresAt <= now ? 'expired' : 'active',
  createdBy: row.createdBy,
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  expiresAt: row.expiresAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
});

const isCatalogueModule = (module: string): module is PermissionModule => Object.hasOwn(PERMISSION_CATALOGUE, module);

/** A scope is a catalogue permission, a whole module ("labels:*") or everything ("*"); anything else is a typo. */
const scopeGrants = (scope: string): readonly string[] | undefined => {
  if (scope === '*') return ['*'];
  if (isKnownPermission(scope)) return [scope];
  const [module, action] = scope.split(':');
  if (action === '*' && module && isCatalogueModule(module)) return PERMISSION_CATALOGUE[module];
  return undefined;
};

/** A key never holds more than its creator: each scope must be covered by the creator's own permissions. */
const assertScopesWithinCreator = (ctx: TenantContext, scopes: readonly string[]) => {
  const unknown = scopes.filter((scope) => !scopeGrants(scope));
  if (unknown.length > 0) throw new AppError('VALIDATION_ERROR', `Unknown scope(s): ${unknown.join(', ')}`, { unknown, catalogue: '/api/v1/permissions' });
  const exceeding = scopes.filter((scope) =>
    scope === '*' ? !ctx.permissions.has('*') : !scopeGrants(scope)!.every((permission) => can(ctx, permission)),
  );
  if (exceeding.length > 0) {
    throw new AppError('INSUFFICIENT_PERMISSIONS', 'An API key cannot hold permissions its creator does not have', { exceeding });
  }
};

export const createApiKeysService = (deps: { db: Db; changes?: ChangeFeed; audit?: Pick<AuditService, 'record'> }) => {
  const repo = createApiKeysRepo(deps.db);
  // last_used_at has minute precision by design; remembering which keys this process touched within the minute
  // spares a write statement on nearly every API-key request (the SQL keeps its own once-a-minute guard for the
  // other processes).
  const recentlyTouched = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 });
  const activeKeys = createCachedReads<NonNullable<Awaited<ReturnType<typeof repo.findActiveByHash>>>>({
    changes: deps.changes,
    tables: ['api_keys', 'tenants'],
    max: 10_000,
  });

  return {
    /**
     * Low-level issue without permission checks, for platform code and test fixtures that act as the system.
     * Returns the secret once; only its SHA-256 is stored (a 256-bit random secret needs no slow hash).
     */
    create: async (
      ctx: Pick<TenantContext, 'tenantId'>,
      input: { name: string; scopes: string[]; expiresAt?: Date; createdBy?: string | null },
    ): Promise<CreatedApiKey> => {
      const secret = `${API_KEY_PREFIX}${randomToken(32)}`;
      const row = await repo.forTenant(ctx).insert({ ...input, prefix: secret.slice(0, 10), keyHash: sha256Hex(secret) });
      return { id: row.id, name: row.name, prefix: row.prefix, scopes: row.scopes, secret };
    },

    /** The API route: checks the caller, keeps scopes within the caller's permissions, audits the creation. */
    issue: async (ctx: TenantContext, input: TCreateApiKeyBody) => {
      requirePermission(ctx, 'api-keys:write');
      const scopes = [...new Set(input.scopes)];
      assertScopesWithinCreator(ctx, scopes);
      return withTx(deps.db, async (tx) => {
        const secret = `${API_KEY_PREFIX}${randomToken(32)}`;
        const row = await createApiKeysRepo(tx)
          .forTenant(ctx)
          .insert({
            name: input.name,
            scopes,
            expiresAt: input.expiresAt ? new Date(input.expiresAt) : undefined,
            createdBy: ctx.actor.type === 'user' ? ctx.actor.id : null,
            prefix: secret.slice(0, 10),
            keyHash: sha256Hex(secret),
          });
        await deps.audit?.record(tx, { ...auditSource(ctx), action: 'api_key.created', target: { type: 'api_key', id: row.id }, metadata: { name: row.name, scopes } });
        return { ...toApiKey(row), secret };
      });
    },

    list: async (ctx: TenantContext, query: TPageQuery) => {
      requirePermission(ctx, 'api-keys:read');
      const { items, total } = await repo.forTenant(ctx).list(query);
      return toPage(items.map((row) => toApiKey(row)), total, query);
    },

    get: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'api-keys:read');
      const row = await repo.forTenant(ctx).findById(id);
      if (!row) throw notFound('API key');
      return toApiKey(row);
    },

    /** Takes effect on the next request: authentication only accepts keys whose revoked_at is null. */
    revoke: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'api-keys:delete');
      return withTx(deps.db, async (tx) => {
        const row = await createApiKeysRepo(tx).forTenant(ctx).revoke(id);
        if (!row) throw notFound('API key');
        await deps.audit?.record(tx, { ...auditSource(ctx), action: 'api_key.revoked', target: { type: 'api_key', id }, metadata: { name: row.name } });
        return toApiKey(row);
      });
    },

    authenticate: (async (token) => {
      if (!token.startsWith(API_KEY_PREFIX)) return undefined;
      const keyHash = sha256Hex(token);
      const found = await activeKeys(keyHash, () => repo.findActiveByHash(keyHash));
      // A kept key may have expired since it was read.
      if (!found || (found.key.expiresAt && found.key.expiresAt.getTime() <= Date.now())) return undefined;
      if (!recentlyTouched.has(found.key.id)) {
        await repo.touchLastUsed(found.key.id);
        recentlyTouched.set(found.key.id, true);
      }
      return {
        tenantId: found.key.tenantId,
        tenant: tenantAccessOf({ status: found.tenantStatus, security: found.tenantSecurity }),
        actor: { type: 'api_key', id: found.key.id },
        permissions: new Set(found.key.scopes),
      };
    }) satisfies Authenticator,
  };
};

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
