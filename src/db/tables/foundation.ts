import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Tables of the foundation migration (0001). */

export const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
};

export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  status: text('status', { enum: ['active', 'suspended'] }).notNull().default('active'),
  /** Added by 0002_identity: locale and branding (settings), session and password policy, IP allow-list (security). */
  settings: jsonb('settings').notNull().default(sql`'{}'::jsonb`),
  security: jsonb('security').notNull().default(sql`'{}'::jsonb`),
  ...timestamps,
});

/** The tenant_id column every tenant-owned table carries: required, and deleted with its tenant. */
export const tenantRef = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull().unique(),
    scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    /** Added by 0002_identity; a plain column here because users are defined after this file. */
    createdBy: uuid('created_by'),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('api_keys_tenant_idx').on(t.tenantId)],
);

export const labels = pgTable('labels', {
  id: uuid('id').primaryKey(),
  tenantId: tenantRef(),
  name: text('name').notNull(),
  color: text('color').notNull(),
  description: text('description'),
  ...timestamps,
});

export const JOB_STATES = ['queued', 'running', 'completed', 'dead'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const jobs = pgTable('jobs', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  tenantId: uuid('tenant_id'),
  payload: jsonb('payload').notNull(),
  state: text('state', { enum: JOB_STATES }).notNull().default('queued'),
  runAt: timestamp('run_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  attempts: integer('attempts').notNull().default(0),
  maxAttempts: integer('max_attempts').notNull(),
  lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date' }),
  lockedBy: text('locked_by'),
  lastError: text('last_error'),
  dedupeKey: text('dedupe_key'),
  completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
  ...timestamps,
});

export const jobSchedules = pgTable('job_schedules', {
  name: text('name').primaryKey(),
  cron: text('cron').notNull(),
  nextRunAt: timestamp('next_run_at', { withTimezone: true, mode: 'date' }).notNull(),
  lastRunAt: timestamp('last_run_at', { withTimezone: true, mode: 'date' }),
});

export const foundationTables = { tenants, apiKeys, labels, jobs, jobSchedules };
