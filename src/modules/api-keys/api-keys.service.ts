import type { TenantContext } from '../../app/context.js';
import type { Authenticator } from '../../app/plugins/auth.js';
import type { Db } from '../../db/client.js';
import { randomToken, sha256Hex } from '../../lib/crypto.js';
import { createApiKeysRepo } from './api-keys.repo.js';

export const API_KEY_PREFIX = 'sb_';

export type CreatedApiKey = { id: string; name: string; prefix: string; scopes: string[]; secret: string };

export const createApiKeysService = (deps: { db: Db }) => {
  const repo = createApiKeysRepo(deps.db);

  return {
    /** Returns the secret once; only its SHA-256 is stored (a 256-bit random secret needs no slow hash). */
    create: async (
      ctx: Pick<TenantContext, 'tenantId'>,
      input: { name: string; scopes: string[]; expiresAt?: Date },
    ): Promise<CreatedApiKey> => {
      const secret = `${API_KEY_PREFIX}${randomToken(32)}`;
      const row = await repo
        .forTenant(ctx)
        .insert({ ...input, prefix: secret.slice(0, 10), keyHash: sha256Hex(secret) });
      return { id: row.id, name: row.name, prefix: row.prefix, scopes: row.scopes, secret };
    },

    authenticate: (async (token) => {
      if (!token.startsWith(API_KEY_PREFIX)) return undefined;
      const found = await repo.findActiveByHash(sha256Hex(token));
      if (!found) return undefined;
      await repo.touchLastUsed(found.key.id);
      return {
        tenantId: found.key.tenantId,
        tenantStatus: found.tenantStatus,
        actor: { type: 'api_key', id: found.key.id },
        permissions: new Set(found.key.scopes),
      };
    }) satisfies Authenticator,
  };
};
