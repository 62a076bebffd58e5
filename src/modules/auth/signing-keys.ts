import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

import type { Executor } from '../../db/client.js';
import { openSecret, sealSecret } from '../../lib/crypto.js';
import { createSessionRepo } from './session.repo.js';

export const SIGNING_ALGORITHM = 'ES256';

type LoadedKey = { kid: string; isActive: boolean; publicJwk: JWK; privateKey?: CryptoKey; publicKey: CryptoKey };

/** A kid nobody knows triggers at most one reload per interval, so garbage tokens cannot hammer the database. */
const RELOAD_INTERVAL_MS = 5_000;
/** How long a cached key set is trusted before re-reading it (another instance may have rotated). */
const MAX_CACHE_AGE_MS = 60_000;

/**
 * ES256 signing keys. Private keys are stored sealed with AES-256-GCM under the instance encryption key (bound to
 * their kid); public keys are published as the JWKS. Rotation adds a key and retires the others, which keep
 * verifying (and stay in the JWKS) for one access-token lifetime. Keys are cached in memory; another instance's
 * rotation is picked up when a token names a kid this one has not seen yet.
 */
export const createSigningKeys = (deps: { db: Executor; encryptionKey: string; accessTokenTtlSeconds: number }) => {
  const repo = createSessionRepo(deps.db);
  let keys: LoadedKey[] | undefined;
  let loadedAt = 0;

  const load = async (): Promise<LoadedKey[]> => {
    const rows = await repo.usableKeys(deps.accessTokenTtlSeconds);
    keys = await Promise.all(
      rows.map(async (row) => {
        const publicJwk = row.publicJwk as JWK;
        return {
          kid: row.kid,
          isActive: row.isActive,
          publicJwk,
          publicKey: (await importJWK(publicJwk, SIGNING_ALGORITHM)) as CryptoKey,
          privateKey: row.isActive
            ? ((await importJWK(JSON.parse(openSecret(deps.encryptionKey, row.privateKeyEncrypted, row.kid)) as JWK, SIGNING_ALGORITHM)) as CryptoKey)
            : undefined,
        };
      }),
    );
    loadedAt = Date.now();
    return keys;
  };

  const cached = async (): Promise<LoadedKey[]> => (keys && Date.now() - loadedAt < MAX_CACHE_AGE_MS ? keys : load());

  const create = async (): Promise<string> => {
    const pair = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
    const publicJwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(pair.privateKey);
    await repo.insertSigningKey({
      kid,
      algorithm: SIGNING_ALGORITHM,
      publicJwk: { ...publicJwk, kid, alg: SIGNING_ALGORITHM, use: 'sig' },
      privateKeyEncrypted: sealSecret(deps.encryptionKey, JSON.stringify(privateJwk), kid),
    });
    return kid;
  };

  return {
    /** The newest active key; the first call on an empty database creates one. */
    current: async (): Promise<LoadedKey & { privateKey: CryptoKey }> => {
      let active = (await cached()).find((key) => key.isActive && key.privateKey);
      if (!active) {
        await create();
        active = (await load()).find((key) => key.isActive && key.privateKey);
      }
      return active as LoadedKey & { privateKey: CryptoKey };
    },

    /** The public key for a kid, or undefined for a kid that is unknown or retired past its grace period. */
    verificationKey: async (kid: string): Promise<CryptoKey | undefined> => {
      const known = (await cached()).find((key) => key.kid === kid);
      if (known) return known.publicKey;
      if (Date.now() - loadedAt < RELOAD_INTERVAL_MS) return undefined;
      return (await load()).find((key) => key.kid === kid)?.publicKey;
    },

    jwks: async () => ({ keys: (await cached()).map((key) => key.publicJwk) }),

    rotate: async (): Promise<{ kid: string; retired: string[] }> => {
      const previous = (await load()).filter((key) => key.isActive).map((key) => key.kid);
      const kid = await create();
      await repo.retireOtherKeys(kid);
      await load();
      return { kid, retired: previous };
    },
  };
};

export type SigningKeys = ReturnType<typeof createSigningKeys>;
