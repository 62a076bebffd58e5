import { z } from 'zod';

const at = z.iso.datetime();
const maybeAt = at.nullable();

export const ZDataExport = z
  .object({
    exportedAt: at,
    profile: z.object({
      id: z.uuid(),
      email: z.string(),
      firstName: z.string(),
      lastName: z.string(),
      avatarUrl: z.string().nullable(),
      phone: z.string().nullable(),
      emailVerifiedAt: maybeAt,
      isPlatformAdmin: z.boolean(),
      status: z.string(),
      hasPassword: z.boolean(),
      passwordChangedAt: maybeAt,
      lastLoginAt: maybeAt,
      createdAt: at,
      updatedAt: at,
    }),
    memberships: z.array(z.object({ tenantId: z.uuid(), tenantName: z.string(), isActive: z.boolean(), createdAt: at })),
    roles: z.array(z.object({ tenantId: z.uuid(), key: z.string(), name: z.string(), assignedAt: at })),
    directPermissions: z.array(z.object({ tenantId: z.uuid(), permission: z.string(), grantedAt: at })),
    sessions: z.array(
      z.object({
        id: z.uuid(),
        tenantId: z.uuid(),
        sessionId: z.uuid(),
        ip: z.string().nullable(),
        userAgent: z.string().nullable(),
        createdAt: at,
        expiresAt: at,
        usedAt: maybeAt,
        revokedAt: maybeAt,
      }),
    ),
    socialAccounts: z.array(z.object({ provider: z.string(), providerUserId: z.string(), email: z.string().nullable(), createdAt: at })),
    auditEntries: z.array(
      z.object({
        id: z.uuid(),
        tenantId: z.uuid().nullable(),
        actorType: z.string(),
        actorId: z.string().nullable(),
        action: z.string(),
        targetType: z.string().nullable(),
        targetId: z.string().nullable(),
        ip: z.string().nullable(),
        userAgent: z.string().nullable(),
        requestId: z.string().nullable(),
        metadata: z.unknown(),
        createdAt: at,
      }),
    ),
    mails: z.array(
      z.object({
        id: z.uuid(),
        tenantId: z.uuid().nullable(),
        toAddress: z.string(),
        subject: z.string(),
        transport: z.string(),
        status: z.string(),
        sentAt: maybeAt,
        createdAt: at,
      }),
    ),
    invitations: z.array(
      z.object({ id: z.uuid(), tenantId: z.uuid(), email: z.string(), expiresAt: at, acceptedAt: maybeAt, revokedAt: maybeAt, createdAt: at }),
    ),
    apiKeysCreated: z.array(
      z.object({
        id: z.uuid(),
        tenantId: z.uuid(),
        name: z.string(),
        prefix: z.string(),
        scopes: z.array(z.string()),
        createdAt: at,
        lastUsedAt: maybeAt,
        revokedAt: maybeAt,
      }),
    ),
  })
  .meta({ id: 'GdprDataExport' });
export type TDataExport = z.infer<typeof ZDataExport>;

export const ZDeletionRequested = z
  .object({ jobId: z.uuid(), status: z.literal('scheduled'), userId: z.uuid() })
  .meta({ id: 'GdprDeletionRequested' });

export const ZDeleteUserPayload = z.object({
  tenantId: z.uuid().describe('The tenant the request was made from (the job runs in its context)'),
  userId: z.uuid(),
  requestId: z.string().optional(),
});
export type TDeleteUserPayload = z.infer<typeof ZDeleteUserPayload>;
