import { randomUUID } from 'node:crypto';

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { queryRows } from '../../../src/db/client.js';
import { sha256Hex } from '../../../src/lib/crypto.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { AUTH_TEST_ENV, me, register } from './auth-helpers.js';
import { startFakeOAuthProvider } from './fake-oauth-provider.js';

describe('social sign-in (arctic, state + PKCE) against a local fake provider over real HTTP', () => {
  let provider: Awaited<ReturnType<typeof startFakeOAuthProvider>>;
  let t: TestApp;

  beforeAll(async () => {
    provider = await startFakeOAuthProvider({
      google: { clientId: 'google-client', clientSecret: 'google-secret' },
      github: { clientId: 'github-client', clientSecret: 'github-secret' },
      facebook: { clientId: 'fb-client', clientSecret: 'fb-secret' },
      microsoft: { clientId: 'ms-client', clientSecret: 'ms-secret' },
    });
    t = await createTestApp({ env: { ...AUTH_TEST_ENV, ...provider.env('google', 'GOOGLE'), ...provider.env('github', 'GITHUB'), ...provider.env('facebook', 'FACEBOOK'), ...provider.env('microsoft', 'MICROSOFT') } });
  });
  afterAll(async () => {
    await t.close();
    await provider.close();
  });

  /** Our redirect, then the provider's consent page over HTTP, which sends the browser back with code and state. */
  const authorize = async (name: string) => {
    const redirect = await t.app.inject({ method: 'GET', url: `/api/v1/auth/social/${name}/redirect` });
    expect(redirect.statusCode, redirect.body).toBe(302);
    const consent = await fetch(redirect.headers.location as string, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get('location')!);
    return { authorizeUrl: new URL(redirect.headers.location as string), code: back.searchParams.get('code')!, state: back.searchParams.get('state')!, back };
  };

  const callback = (name: string, code: string, state: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/auth/social/${name}/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}` });

  it('google: a new identity creates the user and a tenant; the same identity signs in again; the state works once', async () => {
    const sub = randomUUID();
    const email = `g-${sub.slice(0, 8)}@example.test`;
    provider.nextSignIn({ sub, email, email_verified: true, given_name: 'Grace', family_name: 'Hopper' });
    const { authorizeUrl, code, state, back } = await authorize('google');
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('scope')).toBe('openid email profile');
    expect(back.pathname).toBe('/api/v1/auth/social/google/callback');
    // Only the state's hash is stored.
    const states = await queryRows<{ state_hash: string }>(t.database.db, sql`select state_hash from oauth_states`);
    expect(states.map((row) => row.state_hash)).toContain(sha256Hex(state));
    expect(states.map((row) => row.state_hash)).not.toContain(state);

    const signedIn = await callback('google', code, state);
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    const session = signedIn.json().data;
    expect(session.user).toMatchObject({ email, firstName: 'Grace', lastName: 'Hopper', isEmailVerified: true, roles: ['owner'] });
    expect((await me(t, session.tokens.accessToken)).statusCode).toBe(200);
    expect(provider.tokenRequests.at(-1)).toEqual({ provider: 'google', hadVerifier: true });

    expect((await callback('google', code, state)).statusCode).toBe(400);

    provider.nextSignIn({ sub, email, email_verified: true, given_name: 'Grace', family_name: 'Hopper' });
    const again = await authorize('google');
    const second = await callback('google', again.code, again.state);
    expect(second.statusCode).toBe(200);
    expect(second.json().data.user).toMatchObject({ id: session.user.id, tenantId: session.user.tenantId });
    const accounts = await queryRows<{ provider: string }>(t.database.db, sql`select provider from social_accounts where user_id = ${session.user.id}`);
    expect(accounts).toEqual([{ provider: 'google' }]);
  });

  it('github: a verified e-mail links the existing password account and signs in to its tenant', async () => {
    const existing = await register(t);
    provider.nextSignIn({ id: 4242, login: 'octo', name: 'Octo Cat', email: null }, [
      { email: 'other@example.test', primary: false, verified: true },
      { email: existing.user.email, primary: true, verified: true },
    ]);
    const { code, state } = await authorize('github');
    const linked = await callback('github', code, state);
    expect(linked.statusCode, linked.body).toBe(200);
    expect(linked.json().data.user).toMatchObject({ id: existing.user.id, tenantId: existing.user.tenantId });
    const audit = await queryRows<{ metadata: { method: string } }>(t.database.db, sql`select metadata from audit_logs where action = 'auth.sign_in' and actor_id = ${existing.user.id}`);
    expect(audit.map((row) => row.metadata.method)).toContain('github');
  });

  it('facebook: an unconfirmed e-mail never takes over an existing account', async () => {
    const existing = await register(t);
    provider.nextSignIn({ id: 'fb-1', email: existing.user.email, first_name: 'Mallory', last_name: 'M' });
    const { code, state } = await authorize('facebook');
    const refused = await callback('facebook', code, state);
    expect(refused.statusCode).toBe(409);
    const accounts = await queryRows<{ id: string }>(t.database.db, sql`select id from social_accounts where user_id = ${existing.user.id}`);
    expect(accounts).toEqual([]);
  });

  it('a code redeemed with another attempt\'s state fails the PKCE check at the provider', async () => {
    provider.nextSignIn({ sub: randomUUID(), email: `p-${randomUUID().slice(0, 8)}@example.test`, email_verified: true });
    const first = await authorize('google');
    const other = await t.app.inject({ method: 'GET', url: '/api/v1/auth/social/google/redirect' });
    const otherState = new URL(other.headers.location as string).searchParams.get('state')!;
    const mismatched = await callback('google', first.code, otherState);
    expect(mismatched.statusCode).toBe(401);
    expect(mismatched.json().error.message).toContain('invalid_grant');
  });

  it('microsoft: the OIDC userinfo creates the user, with its name split from the display name', async () => {
    const sub = randomUUID();
    provider.nextSignIn({ sub, email: `ms-${sub.slice(0, 8)}@example.test`, name: 'Katherine Johnson' });
    const { authorizeUrl, code, state } = await authorize('microsoft');
    expect(authorizeUrl.searchParams.get('client_id')).toBe('ms-client');
    const signedIn = await callback('microsoft', code, state);
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    expect(signedIn.json().data.user).toMatchObject({ firstName: 'Katherine', lastName: 'Johnson', roles: ['owner'] });
  });

  it('an unconfigured provider is 404, an unknown one 400, and a made-up state 400', async () => {
    const bare = await createTestApp({ env: AUTH_TEST_ENV });
    try {
      expect((await bare.app.inject({ method: 'GET', url: '/api/v1/auth/social/microsoft/redirect' })).statusCode).toBe(404);
    } finally {
      await bare.close();
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/auth/social/myspace/redirect' })).statusCode).toBe(400);
    expect((await callback('google', 'code', 'made-up-state')).statusCode).toBe(400);
  });
});
