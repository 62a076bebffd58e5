import { sql } from 'drizzle-orm';
import { boolean, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

import { tenantRef, tenants, timestamps } from './foundation.js';

/** Tables of the identity migration (0002). */

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  email: text('email').notNull(),
  passwordHash: text('password_hash'),
  firstName: text('first_name').notNull().default(''),
  lastName: text('last_name').notNull().default(''),
  avatarUrl: text('avatar_url'),
  phone: text('phone'),
  emailVerifiedAt: at('email_verified_at'),
  isPlatformAdmin: boolean('is_platform_admin').notNull().default(false),
  status: text('status', { enum: ['active', 'deleted'] }).notNull().default('active'),
  passwordChangedAt: at('password_changed_at'),
  lastLoginAt: at('last_login_at'),
  ...timestamps,
});
const userRef = () => uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' });

export const memberships = pgTable(
  'memberships',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    userId: userRef(),
    isActive: boolean('is_active').notNull().default(true),
    ...timestamps,
  },
  (t) => [unique().on(t.tenantId, t.userId)],
);

export const roles = pgTable(
  'roles',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    isBuiltin: boolean('is_builtin').notNull().default(false),
    ...timestamps,
  },
  (t) => [unique().on(t.tenantId, t.key)],
);

export const rolePermissions = pgTable(
  'role_permissions',
  {
    roleId: uuid('role_id').notNull().references(() => roles.id, { onDelete: 'cascade' }),
    tenantId: tenantRef(),
    permission: text('permission').notNull(),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.permission] })],
);

export const userRoles = pgTable(
  'user_roles',
  {
    tenantId: tenantRef(),
    userId: userRef(),
    roleId: uuid('role_id').notNull().references(() => roles.id, { onDelete: 'cascade' }),
    createdAt: timestamps.createdAt,
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId, t.roleId] })],
);

export const userPermissions = pgTable(
  'user_permissions',
  {
    tenantId: tenantRef(),
    userId: userRef(),
    permission: text('permission').notNull(),
    createdAt: timestamps.createdAt,
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId, t.permission] })],
);

export const refreshTokens = pgTable('refresh_tokens', {
  id: uuid('id').primaryKey(),
  tenantId: tenantRef(),
  userId: userRef(),
  familyId: uuid('family_id').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
  revokedAt: at('revoked_at'),
  ip: text('ip'),
  userAgent: text('user_agent'),
  createdAt: timestamps.createdAt,
});

export const revokedTokens = pgTable('revoked_tokens', {
  jti: text('jti').primaryKey(),
  expiresAt: at('expires_at').notNull(),
  createdAt: timestamps.createdAt,
});

export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  algorithm: text('algorithm').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  privateKeyEncrypted: text('private_key_encrypted').notNull(),
  isActive: boolean('is_active').notNull().default(true),
  createdAt: timestamps.createdAt,
  retiredAt: at('retired_at'),
});

export const userTokens = pgTable('user_tokens', {
  id: uuid('id').primaryKey(),
  userId: userRef(),
  purpose: text('purpose', { enum: ['verify_email', 'password_reset'] }).notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
  createdAt: timestamps.createdAt,
});

export const socialAccounts = pgTable(
  'social_accounts',
  {
    id: uuid('id').primaryKey(),
    userId: userRef(),
    provider: text('provider').notNull(),
    providerUserId: text('provider_user_id').notNull(),
    email: text('email'),
    createdAt: timestamps.createdAt,
  },
  (t) => [unique().on(t.provider, t.providerUserId)],
);

export const oauthStates = pgTable('oauth_states', {
  stateHash: text('state_hash').primaryKey(),
  provider: text('provider').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  redirectTo: text('redirect_to'),
  expiresAt: at('expires_at').notNull(),
  createdAt: timestamps.createdAt,
});

export const mailMessages = pgTable('mail_messages', {
  id: uuid('id').primaryKey(),
  tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
  toAddress: text('to_address').notNull(),
  subject: text('subject').notNull(),
  textBody: text('text_body').notNull(),
  htmlBody: text('html_body'),
  transport: text('transport', { enum: ['smtp', 'dev'] }).notNull(),
  status: text('status', { enum: ['queued', 'sent', 'failed', 'stored'] }).notNull().default('queued'),
  error: text('error'),
  sentAt: at('sent_at'),
  createdAt: timestamps.createdAt,
});

export const invitations = pgTable('invitations', {
  id: uuid('id').primaryKey(),
  tenantId: tenantRef(),
  email: text('email').notNull(),
  roleId: uuid('role_id').notNull().references(() => roles.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull().unique(),
  invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
  expiresAt: at('expires_at').notNull(),
  acceptedAt: at('accepted_at'),
  revokedAt: at('revoked_at'),
  ...timestamps,
});

export const auditLogs = pgTable('audit_logs', {
  id: uuid('id').primaryKey(),
  tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
  actorType: text('actor_type').notNull(),
  actorId: text('actor_id'),
  action: text('action').notNull(),
  targetType: text('target_type'),
  targetId: text('target_id'),
  ip: text('ip'),
  userAgent: text('user_agent'),
  requestId: text('request_id'),
  metadata: jsonb('metadata').notNull().default(sql`'{}'::jsonb`),
  createdAt: timestamps.createdAt,
});

export const identityTables = {
  users,
  memberships,
  roles,
  rolePermissions,
  userRoles,
  userPermissions,
  refreshTokens,
  revokedTokens,
  signingKeys,
  userTokens,
  socialAccounts,
  oauthStates,
  mailMessages,
  invitations,
  auditLogs,
};
