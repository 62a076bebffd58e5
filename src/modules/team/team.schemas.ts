import { z } from 'zod';

import { ZPageQuery, zPage } from '../../lib/pagination.js';

export const ZInvitationId = z.object({ id: z.uuid() });
export const ZMemberId = z.object({ userId: z.uuid() });

const ZEmail = z.email().max(254).transform((email) => email.toLowerCase());
const ZRoleKey = z.string().trim().min(1).max(50);

export const ZInviteBody = z.object({ email: ZEmail, roleKey: ZRoleKey });
export type TInviteBody = z.infer<typeof ZInviteBody>;

export const ZAcceptInvitationBody = z.object({
  token: z.string().min(20).max(200),
  password: z.string().min(1).max(200).optional().describe('New account: the password to set. Existing account with a password: its current password'),
  firstName: z.string().trim().min(1).max(100).optional().describe('Required for a new account'),
  lastName: z.string().trim().min(1).max(100).optional().describe('Required for a new account'),
});
export type TAcceptInvitationBody = z.infer<typeof ZAcceptInvitationBody>;

export const ZChangeRoleBody = z.object({ roleKey: ZRoleKey });

export const ZListInvitationsQuery = ZPageQuery;

export const ZInvitation = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: z.object({ key: z.string(), name: z.string() }),
    status: z.enum(['pending', 'expired']),
    invitedBy: z.uuid().nullable(),
    expiresAt: z.iso.datetime(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Invitation' });
export type TInvitation = z.infer<typeof ZInvitation>;
export const ZInvitationPage = zPage(ZInvitation);

export const ZAcceptedInvitation = z
  .object({ userId: z.uuid(), tenantId: z.uuid(), tenantName: z.string(), role: z.string(), isNewAccount: z.boolean() })
  .meta({ id: 'AcceptedInvitation' });

export const ZTeamStats = z
  .object({
    members: z.object({ total: z.number().int(), active: z.number().int(), inactive: z.number().int() }),
    byRole: z.array(z.object({ key: z.string(), name: z.string(), members: z.number().int() })),
    pendingInvitations: z.number().int(),
  })
  .meta({ id: 'TeamStats' });

export const ZPermissionMatrix = z
  .object({
    roles: z.array(z.object({ id: z.uuid(), key: z.string(), name: z.string(), isBuiltin: z.boolean() })),
    rows: z.array(z.object({ permission: z.string(), module: z.string(), roles: z.array(z.string()).describe('Keys of the roles granting it') })),
  })
  .meta({ id: 'PermissionMatrix' });
