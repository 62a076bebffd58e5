import { z } from 'zod';

import { SOCIAL_PROVIDERS } from '../../config/env.js';

const ZEmail = z.email().max(254).transform((email) => email.trim().toLowerCase());
// Argon2 accepts any length; the cap keeps a megabyte "password" from costing a megabyte of hashing.
const ZPassword = z.string().min(1).max(256);
const ZName = z.string().trim().min(1).max(100);

export const ZRegisterBody = z.object({
  email: ZEmail,
  password: ZPassword,
  firstName: ZName,
  lastName: ZName,
  tenantName: z.string().trim().min(1).max(200),
});
export type TRegisterBody = z.infer<typeof ZRegisterBody>;

export const ZLoginBody = z.object({
  email: ZEmail,
  password: ZPassword,
  tenantId: z.uuid().optional().describe('Which of your tenants to sign in to; defaults to the oldest membership'),
});
export type TLoginBody = z.infer<typeof ZLoginBody>;

export const ZRefreshBody = z.object({ refreshToken: z.string().min(1).max(200) });
export const ZRevokeTokenBody = z.object({ token: z.string().min(1).max(4096).describe('A refresh token or an access token') });
export const ZForgotPasswordBody = z.object({ email: ZEmail });
export const ZResetPasswordBody = z.object({ token: z.string().min(1).max(200), password: ZPassword });
export const ZUpdatePasswordBody = z.object({ currentPassword: ZPassword, newPassword: ZPassword });
export const ZValidatePasswordBody = z.object({ password: ZPassword });
export const ZVerifyEmailParams = z.object({ userId: z.uuid(), token: z.string().min(1).max(200) });
export const ZSocialProviderParams = z.object({ provider: z.enum(SOCIAL_PROVIDERS) });
export const ZSocialCallbackQuery = z.object({
  code: z.string().min(1).max(2048),
  state: z.string().min(1).max(200),
});

export const ZTokens = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().int().describe('Seconds until the access token expires'),
    tokenType: z.literal('Bearer'),
  })
  .meta({ id: 'AuthTokens' });
export type TTokens = z.infer<typeof ZTokens>;

export const ZAuthUser = z
  .object({
    id: z.uuid(),
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    isEmailVerified: z.boolean(),
    tenantId: z.uuid().describe('The tenant this session is signed in to'),
    tenants: z.array(z.object({ id: z.uuid(), name: z.string() })).describe('Every tenant the user may sign in to'),
    roles: z.array(z.string()),
    permissions: z.array(z.string()),
  })
  .meta({ id: 'AuthUser' });
export type TAuthUser = z.infer<typeof ZAuthUser>;

export const ZSession = z.object({ user: ZAuthUser, tokens: ZTokens }).meta({ id: 'AuthSession' });
export type TSession = z.infer<typeof ZSession>;

export const ZPasswordStrength = z.object({ isValid: z.boolean(), score: z.number().int().min(0).max(4), reasons: z.array(z.string()) });

export const ZAccepted = z.object({ message: z.string() });

export const ZRotatedKey = z.object({ kid: z.string(), retired: z.array(z.string()) });

export const ZJwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
