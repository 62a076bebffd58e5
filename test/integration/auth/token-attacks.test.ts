import { sql } from 'drizzle-orm';
import { createLocalJWKSet, decodeProtectedHeader, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resolveEncryptionKey } from '../../../src/config/encryption-key.js';
import { queryRows } from '../../../src/db/client.js';
import { openSecret } from '../../../src/lib/crypto.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, createUser, type TestUser } from '../../helpers/fixtures.js';
import { AUTH_TEST_ENV, bearer, login, me } from './auth-helpers.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('access tokens: attacks rejected with 401, keys rotated without breaking sessions', () => {
  let t: TestApp;
  let user: TestUser;
  let claims: Record<string, unknown>;
  let kid: string;

  /** The instance's real signing key, opened the way the server does: lets a test sign tokens with bad claims. */
  const realKey = async () => {
    const [row] = await queryRows<{ kid: string; private_key_encrypted: string }>(t.database.db, sql`select kid, private_key_encrypted from signing_keys where is_active order by created_at desc limit 1`);
    const jwk = JSON.parse(openSecret(resolveEncryptionKey(t.config).key, row!.private_key_encrypted, row!.kid)) as JWK;
    return { kid: row!.kid, key: await importJWK(jwk, 'ES256') };
  };

  const sign = async (overrides: Record<string, unknown>, options: { key?: Awaited<ReturnType<typeof realKey>>; exp?: number | string } = {}) => {
    const { kid: keyId, key } = options.key ?? (await realKey());
    const { exp, iss, aud, ...rest } = { ...claims, ...overrides };
    const jwt = new SignJWT(rest).setProtectedHeader({ alg: 'ES256', kid: keyId, typ: 'at+jwt' }).setIssuedAt();
    jwt.setIssuer(String(iss)).setAudience(String(aud)).setExpirationTime((options.exp ?? (exp as number)) as number);
    return jwt.sign(key);
  };

  const expect401 = async (token: string, code = 'AUTHENTICATION_FAILED') => {
    const response = await me(t, token);
    expect(response.statusCode, response.body).toBe(401);
    expect(response.json().error.code).toBe(code);
  };

  beforeAll(async () => {
    t = await createTestApp({ env: AUTH_TEST_ENV });
    user = await createUser(t, await createTenant(t), 'owner');
    const [, payload] = user.accessToken.split('.');
    claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    kid = decodeProtectedHeader(user.accessToken).kid!;
  });
  afterAll(() => t.close());

  it('issues ES256 tokens with kid and the documented claims; the genuine token works', async () => {
    expect(decodeProtectedHeader(user.accessToken)).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
    expect(claims).toMatchObject({ sub: user.id, tenant_id: expect.any(String), roles: ['owner'], aud: 'switchboard-api', iss: 'http://localhost:3000' });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
    expect(claims.jti).toEqual(expect.any(String));
    expect(claims.permissions).toContain('labels:write');
    expect((await me(t, user.accessToken)).statusCode).toBe(200);
    // A token re-signed by the test with the real key and unchanged claims is accepted: the forgeries below fail
    // only for the one thing each of them changes.
    expect((await me(t, await sign({}))).statusCode).toBe(200);
  });

  it('rejects alg: none', async () => {
    const [, payload] = user.accessToken.split('.');
    await expect401(`${b64({ alg: 'none', typ: 'at+jwt', kid })}.${payload}.`);
  });

  it('rejects a wrong signature, an HMAC token keyed with the public key, and an unknown kid', async () => {
    const [header, , signature] = user.accessToken.split('.');
    const tampered = `${header}.${b64({ ...claims, roles: ['owner'], permissions: ['*'] })}.${signature}`;
    await expect401(tampered);

    const attacker = await generateKeyPair('ES256');
    await expect401(await sign({}, { key: { kid, key: attacker.privateKey } }));
    await expect401(await sign({}, { key: { kid: 'unknown-kid', key: attacker.privateKey } }));

    const [jwks] = await queryRows<{ public_jwk: JWK }>(t.database.db, sql`select public_jwk from signing_keys where kid = ${kid}`);
    const hmacSecret = new TextEncoder().encode(JSON.stringify(jwks!.public_jwk));
    const confused = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' }).sign(hmacSecret);
    await expect401(confused);
  });

  it('rejects an expired token with TOKEN_EXPIRED, and wrong audience or issuer', async () => {
    await expect401(await sign({}, { exp: Math.floor(Date.now() / 1000) - 5 }), 'TOKEN_EXPIRED');
    await expect401(await sign({ aud: 'another-api' }));
    await expect401(await sign({ iss: 'https://evil.example' }));
  });

  it('rejects a validly signed token for a tenant the user is not a member of, and a refresh token used as access token', async () => {
    const other = await createTenant(t);
    await expect401(await sign({ tenant_id: other.id }));
    const session = (await login(t, { email: user.email, password: user.password })).json().data.tokens;
    await expect401(session.refreshToken);
    await expect401('not.a.jwt');
  });

  it('rejects a revoked jti', async () => {
    const session = (await login(t, { email: user.email, password: user.password })).json().data.tokens;
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/tokens/revoke', payload: { token: session.accessToken } })).statusCode).toBe(200);
    await expect401(session.accessToken);
    // Denied by jti: the same token is refused even though its signature and claims are valid.
    const [row] = await queryRows<{ jti: string }>(t.database.db, sql`select jti from revoked_tokens`);
    expect(row!.jti).toBe(JSON.parse(Buffer.from(session.accessToken.split('.')[1]!, 'base64url').toString()).jti);
  });

  it('stores private keys sealed with AES-256-GCM, never in clear', async () => {
    const rows = await queryRows<{ private_key_encrypted: string; public_jwk: JWK }>(t.database.db, sql`select private_key_encrypted, public_jwk from signing_keys`);
    for (const row of rows) {
      expect(row.private_key_encrypted).toMatch(/^v1\./);
      expect(row.private_key_encrypted).not.toContain('"d"');
      expect(row.public_jwk).not.toHaveProperty('d');
    }
  });

  it('rotation (platform admin only) publishes a new key in the JWKS while tokens signed by the old key stay valid', async () => {
    const before = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: JWK[] };
    expect(before.keys.map((key) => key.kid)).toEqual([kid]);
    expect(before.keys[0]).not.toHaveProperty('d');
    // A third party verifies our tokens with nothing but the published JWKS.
    const verified = await jwtVerify(user.accessToken, createLocalJWKSet(before as { keys: JWK[] }), { audience: 'switchboard-api' });
    expect(verified.payload.sub).toBe(user.id);

    const tenantKey = (await createTenant(t)).headers;
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/keys/rotate', headers: tenantKey })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/keys/rotate', headers: user.headers })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/keys/rotate' })).statusCode).toBe(401);

    await t.database.db.execute(sql`update users set is_platform_admin = true where id = ${user.id}`);
    const rotated = await t.app.inject({ method: 'POST', url: '/api/v1/auth/keys/rotate', headers: user.headers });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const newKid = rotated.json().data.kid as string;
    expect(rotated.json().data.retired).toEqual([kid]);

    const after = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: JWK[] };
    expect(after.keys.map((key) => key.kid).sort()).toEqual([kid, newKid].sort());
    expect((await me(t, user.accessToken)).statusCode).toBe(200);

    const fresh = (await login(t, { email: user.email, password: user.password })).json().data.tokens.accessToken as string;
    expect(decodeProtectedHeader(fresh).kid).toBe(newKid);
    expect((await me(t, fresh)).statusCode).toBe(200);

    const audit = await t.app.inject({ method: 'GET', url: '/api/v1/audit-logs?action=auth.*', headers: bearer(fresh) });
    expect(audit.statusCode).toBe(200);
    const [rotation] = await queryRows<{ action: string; tenant_id: string | null }>(t.database.db, sql`select action, tenant_id from audit_logs where action = 'auth.signing_key.rotated'`);
    expect(rotation).toEqual({ action: 'auth.signing_key.rotated', tenant_id: null });
  });
});
