import { z } from 'zod';

import { ZPageQuery, zPage } from '../../lib/pagination.js';

export const ZUserId = z.object({ id: z.uuid() });

const ZName = z.string().trim().min(1).max(100);
const ZAvatarUrl = z.url({ protocol: /^https?$/ }).max(2000);
const ZPhone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()./-]{5,30}$/, 'must be a phone number (digits, spaces, + ( ) . / -)');

export const ZCreateUserBody = z.object({
  email: z.email().max(254).transform((email) => email.toLowerCase()),
  firstName: ZName,
  lastName: ZName,
  roleKey: z.string().trim().min(1).max(50).describe('A built-in (owner, admin, agent, viewer) or custom role key'),
  password: z
    .string()
    .min(8)
    .max(200)
    .optional()
    .describe('Set the password now; without it the user gets a mail with a link to choose one'),
});
export type TCreateUserBody = z.infer<typeof ZCreateUserBody>;

export const ZUpdateUserBody = z
  .object({ firstName: ZName, lastName: ZName, avatarUrl: ZAvatarUrl.nullable(), phone: ZPhone.nullable() })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'at least one field is required');
export type TUpdateUserBody = z.infer<typeof ZUpdateUserBody>;

export const ZUpdateProfileBody = ZUpdateUserBody;

export const ZSetActiveBody = z.object({ isActive: z.boolean() });

const ZBooleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');

export const ZListUsersQuery = ZPageQuery.extend({
  search: z.string().trim().min(1).max(100).optional().describe('Matches first name, last name, full name or email'),
  role: z.string().trim().min(1).max(50).optional().describe('Role key'),
  isActive: ZBooleanQuery.optional(),
});
export type TListUsersQuery = z.infer<typeof ZListUsersQuery>;

export const ZUser = z
  .object({
    id: z.uuid(),
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    avatarUrl: z.string().nullable(),
    phone: z.string().nullable(),
    isActive: z.boolean().describe('Whether the membership in this tenant is active'),
    isEmailVerified: z.boolean(),
    hasPassword: z.boolean(),
    roles: z.array(z.string()),
    lastLoginAt: z.iso.datetime().nullable(),
    joinedAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'User' });
export type TUser = z.infer<typeof ZUser>;

export const ZUserPage = zPage(ZUser);
