import { and, asc, desc, eq, ne, or, sql } from 'drizzle-orm';

import type { Executor } from '../../db/client.js';
import {
  apiKeys,
  auditLogs,
  invitations,
  mailMessages,
  memberships,
  refreshTokens,
  roles,
  socialAccounts,
  tenants,
  userPermissions,
  userRoles,
  users,
  userTokens,
} from '../../db/schema.js';

const sameEmail = (column: typeof mailMessages.toAddress | typeof invitations.email, email: string) => sql`lower(${column}) = lower(${email})`;

/**
 * A person's data across every tenant they belong to: users are global, so a data-subject request (export,
 * erasure) is about the account, not one tenant. Every statement is keyed on the user id (or their address);
 * secrets (password and token hashes, mail bodies with single-use links) are never selected.
 */
export const createGdprRepo = (db: Executor) => ({
  forUser: (userId: string) => {
    const aboutUser = or(eq(auditLogs.actorId, userId), and(eq(auditLogs.targetType, 'user'), eq(auditLogs.targetId, userId)));
    return {
      profile: async () =>
        (
          await db
            .select({
              id: users.id,
              email: users.email,
              firstName: users.firstName,
              lastName: users.lastName,
              avatarUrl: users.avatarUrl,
              phone: users.phone,
              emailVerifiedAt: users.emailVerifiedAt,
              isPlatformAdmin: users.isPlatformAdmin,
              status: users.status,
              hasPassword: sql<boolean>`${users.passwordHash} is not null`,
              passwordChangedAt: users.passwordChangedAt,
              lastLoginAt: users.lastLoginAt,
              createdAt: users.createdAt,
              updatedAt: users.updatedAt,
            })
            .from(users)
            .where(eq(users.id, userId))
        )[0],

      memberships: () =>
        db
          .select({ tenantId: memberships.tenantId, tenantName: tenants.name, isActive: memberships.isActive, createdAt: memberships.createdAt })
          .from(memberships)
          .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
          .where(eq(memberships.userId, userId))
          .orderBy(asc(memberships.createdAt)),

      roles: () =>
        db
          .select({ tenantId: userRoles.tenantId, key: roles.key, name: roles.name, assignedAt: userRoles.createdAt })
          .from(userRoles)
          .innerJoin(roles, and(eq(roles.id, userRoles.roleId), eq(roles.tenantId, userRoles.tenantId)))
          .where(eq(userRoles.userId, userId))
          .orderBy(asc(userRoles.tenantId), asc(roles.key)),

      directPermissions: () =>
        db
          .select({ tenantId: userPermissions.tenantId, permission: userPermissions.permission, grantedAt: userPermissions.createdAt })
          .from(userPermissions)
          .where(eq(userPermissions.userId, userId)),

      sessions: () =>
        db
          .select({
            id: refreshTokens.id,
            tenantId: refreshTokens.tenantId,
            sessionId: refreshTokens.familyId,
            ip: refreshTokens.ip,
            userAgent: refreshTokens.userAgent,
            createdAt: refreshTokens.createdAt,
            expiresAt: refreshTokens.expiresAt,
            usedAt: refreshTokens.usedAt,
            revokedAt: refreshTokens.revokedAt,
          })
          .from(refreshTokens)
          .where(eq(refreshTokens.userId, userId))
          .orderBy(desc(refreshTokens.createdAt)),

      socialAccounts: () =>
        db
          .select({ provider: socialAccounts.provider, providerUserId: socialAccounts.providerUserId, email: socialAccounts.email, createdAt: socialAccounts.createdAt })
          .from(socialAccounts)
          .where(eq(socialAccounts.userId, userId)),

      auditEntries: () =>
        db
          .select({
            id: auditLogs.id,
            tenantId: auditLogs.tenantId,
            actorType: auditLogs.actorType,
            actorId: auditLogs.actorId,
            action: auditLogs.action,
            targetType: auditLogs.targetType,
            targetId: auditLogs.targetId,
            ip: auditLogs.ip,
            userAgent: auditLogs.userAgent,
            requestId: auditLogs.requestId,
            metadata: auditLogs.metadata,
            createdAt: auditLogs.createdAt,
          })
          .from(auditLogs)
          .where(aboutUser)
          .orderBy(desc(auditLogs.createdAt)),

      /** Metadata only: bodies carry single-use links (verification, reset, invitation) that must not leak again. */
      mails: (email: string) =>
        db
          .select({
            id: mailMessages.id,
            tenantId: mailMessages.tenantId,
            toAddress: mailMessages.toAddress,
            subject: mailMessages.subject,
            transport: mailMessages.transport,
            status: mailMessages.status,
            sentAt: mailMessages.sentAt,
            createdAt: mailMessages.createdAt,
          })
          .from(mailMessages)
          .where(sameEmail(mailMessages.toAddress, email))
          .orderBy(desc(mailMessages.createdAt)),

      invitations: (email: string) =>
        db
          .select({
            id: invitations.id,
            tenantId: invitations.tenantId,
            email: invitations.email,
            expiresAt: invitations.expiresAt,
            acceptedAt: invitations.acceptedAt,
            revokedAt: invitations.revokedAt,
            createdAt: invitations.createdAt,
          })
          .from(invitations)
          .where(sameEmail(invitations.email, email)),

      apiKeysCreated: () =>
        db
          .select({
            id: apiKeys.id,
            tenantId: apiKeys.tenantId,
            name: apiKeys.name,
            prefix: apiKeys.prefix,
            scopes: apiKeys.scopes,
            createdAt: apiKeys.createdAt,
            lastUsedAt: apiKeys.lastUsedAt,
            revokedAt: apiKeys.revokedAt,
          })
          .from(apiKeys)
          .where(eq(apiKeys.createdBy, userId)),

      /**
       * Row-locks the owner role of every tenant this user owns (in id order, so two erasures never deadlock): two
       * owners of one tenant erased at once would otherwise each see the other as the remaining owner.
       */
      lockOwnedTenantsOwnerRoles: async () => {
        await db
          .select({ id: roles.id })
          .from(roles)
          .innerJoin(userRoles, eq(userRoles.roleId, roles.id))
          .where(and(eq(userRoles.userId, userId), eq(roles.key, 'owner')))
          .orderBy(asc(roles.id))
          .for('update', { of: roles });
      },

      /**
       * Tenants where this user holds the owner role and no other active member does: deleting the user would
       * leave them without an owner.
       */
      tenantsWhereLastOwner: async () => {
        const otherOwner = db
          .select({ one: sql`1` })
          .from(userRoles)
          .innerJoin(roles, eq(roles.id, userRoles.roleId))
          .innerJoin(memberships, and(eq(memberships.tenantId, userRoles.tenantId), eq(memberships.userId, userRoles.userId)))
          .where(
            and(
              eq(userRoles.tenantId, tenants.id),
              eq(roles.key, 'owner'),
              ne(userRoles.userId, userId),
              eq(memberships.isActive, true),
            ),
          );
        return db
          .selectDistinct({ id: tenants.id, name: tenants.name })
          .from(userRoles)
          .innerJoin(roles, eq(roles.id, userRoles.roleId))
          .innerJoin(tenants, eq(tenants.id, userRoles.tenantId))
          .where(and(eq(userRoles.userId, userId), eq(roles.key, 'owner'), sql`not exists (${otherOwner})`));
      },

      /**
       * Erasure: the account row stays (other tenants' records point at it) but holds nothing personal any more;
       * everything else that is only about the person goes. Audit entries stay as the tenants' security record,
       * without the IP and user agent. Idempotent: running it twice changes nothing the second time.
       */
      anonymise: async (email: string) => {
        await db.delete(mailMessages).where(sameEmail(mailMessages.toAddress, email));
        await db.delete(invitations).where(sameEmail(invitations.email, email));
        await db.delete(refreshTokens).where(eq(refreshTokens.userId, userId));
        await db.delete(userTokens).where(eq(userTokens.userId, userId));
        await db.delete(socialAccounts).where(eq(socialAccounts.userId, userId));
        await db.delete(userPermissions).where(eq(userPermissions.userId, userId));
        await db.delete(userRoles).where(eq(userRoles.userId, userId));
        await db.delete(memberships).where(eq(memberships.userId, userId));
        await db.update(auditLogs).set({ ip: null, userAgent: null }).where(aboutUser);
        await db
          .update(users)
          .set({
            email: `deleted-${userId}@deleted.invalid`,
            passwordHash: null,
            firstName: '',
            lastName: '',
            avatarUrl: null,
            phone: null,
            emailVerifiedAt: null,
            isPlatformAdmin: false,
            status: 'deleted',
            lastLoginAt: null,
            updatedAt: sql`now()`,
          })
          .where(eq(users.id, userId));
      },
    };
  },
});
