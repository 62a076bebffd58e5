import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import {
  ZAcceptedInvitation,
  ZAcceptInvitationBody,
  ZChangeRoleBody,
  ZInvitation,
  ZInvitationId,
  ZInvitationPage,
  ZInviteBody,
  ZListInvitationsQuery,
  ZMemberId,
  ZPermissionMatrix,
  ZTeamStats,
} from './team.schemas.js';
import type { TeamService } from './team.service.js';

const tags = ['team'];

export const teamRoutes =
  (service: TeamService): FastifyPluginAsyncZod =>
  async (app) => {
    app.post('/team/invitations', {
      schema: { operationId: 'inviteMember', tags, summary: 'Invite someone by e-mail with a role', body: ZInviteBody, response: withErrors({ 201: zEnvelope(ZInvitation) }) },
      config: { permission: 'team:invite' },
    }, async (req, reply) => reply.status(201).send(envelope(req, await service.invite(tenantCtx(req), req.body))));

    app.get('/team/invitations', {
      schema: { operationId: 'listInvitations', tags, summary: 'Pending invitations', querystring: ZListInvitationsQuery, response: withErrors({ 200: zEnvelope(ZInvitationPage) }) },
      config: { permission: 'team:read' },
    }, async (req) => envelope(req, await service.listPending(tenantCtx(req), req.query)));

    app.post('/team/invitations/accept', {
      schema: { operationId: 'acceptInvitation', tags, summary: 'Accept an invitation with its token (public)', body: ZAcceptInvitationBody, response: withErrors({ 200: zEnvelope(ZAcceptedInvitation) }) },
      config: { public: true, rateLimitCategory: 'auth' },
    }, async (req) => envelope(req, await service.accept(req.body)));

    app.post('/team/invitations/:id/resend', {
      schema: { operationId: 'resendInvitation', tags, summary: 'Mail a new link (the old one stops working)', params: ZInvitationId, response: withErrors({ 200: zEnvelope(ZInvitation) }) },
      config: { permission: 'team:invite' },
    }, async (req) => envelope(req, await service.resend(tenantCtx(req), req.params.id)));

    app.delete('/team/invitations/:id', {
      schema: { operationId: 'revokeInvitation', tags, summary: 'Revoke a pending invitation', params: ZInvitationId, response: withErrors({ 204: z.null() }) },
      config: { permission: 'team:invite' },
    }, async (req, reply) => {
      await service.revoke(tenantCtx(req), req.params.id);
      return reply.status(204).send(null);
    });

    app.delete('/team/members/:userId', {
      schema: { operationId: 'removeMember', tags, summary: 'Remove a member (never the last owner)', params: ZMemberId, response: withErrors({ 204: z.null() }) },
      config: { permission: 'team:manage' },
    }, async (req, reply) => {
      await service.removeMember(tenantCtx(req), req.params.userId);
      return reply.status(204).send(null);
    });

    app.put('/team/members/:userId/role', {
      schema: {
        operationId: 'changeMemberRole',
        tags,
        summary: "Replace a member's roles with one (never demotes the last owner)",
        params: ZMemberId,
        body: ZChangeRoleBody,
        response: withErrors({ 200: zEnvelope(z.object({ userId: z.uuid(), roles: z.array(z.string()) })) }),
      },
      config: { permission: 'team:manage' },
    }, async (req) => envelope(req, await service.changeRole(tenantCtx(req), req.params.userId, req.body.roleKey)));

    app.get('/team/stats', {
      schema: { operationId: 'getTeamStats', tags, summary: 'Members by role, active members, pending invitations', response: withErrors({ 200: zEnvelope(ZTeamStats) }) },
      config: { permission: 'team:read' },
    }, async (req) => envelope(req, await service.stats(tenantCtx(req))));

    app.get('/team/permission-matrix', {
      schema: { operationId: 'getPermissionMatrix', tags, summary: 'Which role grants which permission', response: withErrors({ 200: zEnvelope(ZPermissionMatrix) }) },
      config: { permission: 'team:read' },
    }, async (req) => envelope(req, await service.permissionMatrix(tenantCtx(req))));
  };
