import { CodeChallengeMethod, generateCodeVerifier, generateState, OAuth2Client, OAuth2RequestError } from 'arctic';
import { z } from 'zod';

import type { SocialProvider, SocialProviderConfig } from '../../config/env.js';
import { withTx } from '../../db/tx.js';
import { sha256Hex } from '../../lib/crypto.js';
import { AppError } from '../../lib/errors.js';
import { assignRole } from '../rbac/rbac.repo.js';
import { createAuthRepo } from './auth.repo.js';
import type { AuthDeps, AuthService, SignInMeta } from './auth.service.js';

const STATE_TTL_MS = 10 * 60_000;

const SCOPES: Record<SocialProvider, string[]> = {
  google: ['openid', 'email', 'profile'],
  github: ['read:user', 'user:email'],
  microsoft: ['openid', 'email', 'profile'],
  facebook: ['email', 'public_profile'],
};

type Profile = { providerUserId: string; email: string | null; isEmailVerified: boolean; firstName: string; lastName: string };

const ZOidcUserinfo = z.object({
  sub: z.string().min(1),
  email: z.string().optional(),
  email_verified: z.union([z.boolean(), z.string()]).optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  name: z.string().optional(),
});
const ZGithubUser = z.object({ id: z.union([z.number(), z.string()]), login: z.string(), name: z.string().nullable().optional(), email: z.string().nullable().optional() });
const ZGithubEmails = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }));
const ZFacebookUser = z.object({ id: z.string().min(1), email: z.string().optional(), first_name: z.string().optional(), last_name: z.string().optional() });

const splitName = (name: string | null | undefined) => {
  const [first = '', ...rest] = (name ?? '').trim().split(/\s+/);
  return { firstName: first, lastName: rest.join(' ') };
};

/**
 * Social sign-in through arctic's generic OAuth 2.0 client (authorization code + PKCE S256) with per-provider
 * endpoints from config, so a deployment (or a test) can point a provider at another host. The provider is
 * operator configuration, not user input, so these calls use the plain fetch rather than the SSRF-guarded one.
 */
export const createSocialService = (deps: AuthDeps & { providers: Record<SocialProvider, SocialProviderConfig | undefined>; auth: AuthService }) => {
  const repo = createAuthRepo(deps.db);

  const providerConfig = (provider: SocialProvider) => {
    const config = deps.providers[provider];
    if (!config) throw new AppError('RESOURCE_NOT_FOUND', `Sign-in with ${provider} is not configured on this server`);
    return config;
  };

  const client = (provider: SocialProvider, config: SocialProviderConfig) =>
    new OAuth2Client(config.clientId, config.clientSecret, `${deps.publicUrl}/api/v1/auth/social/${provider}/callback`);

  const getJson = async (url: string, accessToken: string): Promise<unknown> => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', 'user-agent': 'Switchboard' } });
    if (!response.ok) throw new AppError('INTEGRATION_ERROR', `The identity provider answered ${response.status} to the profile request`);
    return response.json();
  };

  const fetchProfile = async (provider: SocialProvider, config: SocialProviderConfig, accessToken: string): Promise<Profile> => {
    const body = await getJson(config.userinfoUrl, accessToken);
    switch (provider) {
      case 'google':
      case 'microsoft': {
        const info = ZOidcUserinfo.parse(body);
        const names = info.given_name || info.family_name ? { firstName: info.given_name ?? '', lastName: info.family_name ?? '' } : splitName(info.name);
        // Microsoft's userinfo carries no email_verified; its e-mail comes from the directory, which is trusted.
        const isEmailVerified = provider === 'microsoft' ? Boolean(info.email) : info.email_verified === true || info.email_verified === 'true';
        return { providerUserId: info.sub, email: info.email ?? null, isEmailVerified, ...names };
      }
      case 'github': {
        const user = ZGithubUser.parse(body);
        const emails = ZGithubEmails.parse(await getJson(`${config.userinfoUrl.replace(/\/$/, '')}/emails`, accessToken));
        const primary = emails.find((email) => email.primary && email.verified) ?? emails.find((email) => email.verified);
        const names = splitName(user.name ?? user.login);
        return { providerUserId: String(user.id), email: primary?.email ?? user.email ?? null, isEmailVerified: Boolean(primary), ...names };
      }
      case 'facebook': {
        const user = ZFacebookUser.parse(body);
        // Facebook does not say whether the address was confirmed: never link an existing account on its word.
        return { providerUserId: user.id, email: user.email ?? null, isEmailVerified: false, firstName: user.first_name ?? '', lastName: user.last_name ?? '' };
      }
    }
  };

  /** The known user for this identity; else the account with the same verified e-mail (linked); else a new one. */
  const resolveUser = async (provider: SocialProvider, profile: Profile) => {
    const linked = await repo.findSocialAccount(provider, profile.providerUserId);
    if (linked) return { userId: linked.userId, isNew: false };
    if (!profile.email) throw new AppError('VALIDATION_ERROR', `${provider} did not share an e-mail address; allow it and try again`);
    const existing = await repo.findUserByEmail(profile.email);
    if (existing && !profile.isEmailVerified) {
      throw new AppError('CONFLICT', 'An account with this e-mail exists: sign in with your password first (the provider did not confirm the address)');
    }
    return withTx(deps.db, async (tx) => {
      const txRepo = createAuthRepo(tx);
      if (existing) {
        await txRepo.linkSocialAccount({ userId: existing.id, provider, providerUserId: profile.providerUserId, email: profile.email });
        return { userId: existing.id, isNew: false };
      }
      const user = await txRepo.insertUser({
        email: profile.email!,
        passwordHash: null,
        firstName: profile.firstName || profile.email!.split('@')[0]!,
        lastName: profile.lastName,
        isEmailVerified: profile.isEmailVerified,
      });
      const tenant = await deps.tenants.create({ name: `${user.firstName}'s workspace` }, tx);
      await txRepo.insertMembership(tenant.id, user.id);
      await assignRole(tx, { tenantId: tenant.id, userId: user.id, roleKey: 'owner' });
      await txRepo.linkSocialAccount({ userId: user.id, provider, providerUserId: profile.providerUserId, email: profile.email });
      return { userId: user.id, isNew: true };
    });
  };

  return {
    /** The provider's authorization URL; the state and PKCE verifier wait (state hashed) for the callback. */
    authorizationUrl: async (provider: SocialProvider): Promise<string> => {
      const config = providerConfig(provider);
      const state = generateState();
      const codeVerifier = generateCodeVerifier();
      await repo.insertOAuthState({ stateHash: sha256Hex(state), provider, codeVerifier, expiresAt: new Date(Date.now() + STATE_TTL_MS) });
      return client(provider, config).createAuthorizationURLWithPKCE(config.authorizeUrl, state, CodeChallengeMethod.S256, codeVerifier, SCOPES[provider]).toString();
    },

    callback: async (provider: SocialProvider, input: { code: string; state: string }, meta: SignInMeta) => {
      const config = providerConfig(provider);
      const pending = await repo.consumeOAuthState(sha256Hex(input.state), provider);
      if (!pending) throw new AppError('VALIDATION_ERROR', 'This sign-in attempt is unknown or has expired: start again');
      let providerAccessToken: string;
      try {
        providerAccessToken = (await client(provider, config).validateAuthorizationCode(config.tokenUrl, input.code, pending.codeVerifier)).accessToken();
      } catch (error) {
        if (error instanceof OAuth2RequestError) throw new AppError('AUTHENTICATION_FAILED', `${provider} rejected the sign-in: ${error.code}`);
        throw new AppError('INTEGRATION_ERROR', `Could not reach ${provider} to complete the sign-in`);
      }
      const { userId, isNew } = await resolveUser(provider, await fetchProfile(provider, config, providerAccessToken));
      const membership = (await repo.membershipsOf(userId))[0];
      if (!membership) throw new AppError('AUTHENTICATION_FAILED', 'This account is not a member of any tenant');
      if (membership.status === 'suspended') throw new AppError('TENANT_SUSPENDED', 'This tenant is suspended');
      await deps.audit.record(deps.db, {
        tenantId: membership.tenantId,
        actor: { type: 'user', id: userId },
        action: 'auth.sign_in',
        target: { type: 'user', id: userId },
        metadata: { method: provider, isNewAccount: isNew },
        ip: meta.ip ?? null,
        userAgent: meta.userAgent ?? null,
        requestId: meta.requestId ?? null,
      });
      return deps.auth.signInAs(userId, membership.tenantId, meta);
    },
  };
};

export type SocialService = ReturnType<typeof createSocialService>;
