import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import { ZCreateUserBody, ZListUsersQuery, ZSetActiveBody, ZUpdateProfileBody, ZUpdateUserBody, ZUser, ZUserId, ZUserPage } from './users.schemas.js';
import type { UsersService } from './users.service.js';

const tags = ['users'];

export const usersRoutes =
  (service: UsersService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/users', {
      schema: { operationId: 'listUsers', tags, summary: 'List the members of this tenant', querystring: ZListUsersQuery, response: withErrors({ 200: zEnvelope(ZUserPage) }) },
      config: { permission: 'users:read' },
    }, async (req) => envelope(req, await service.list(tenantCtx(req), req.query)));

    app.post('/users', {
      schema: { operationId: 'createUser', tags, summary: 'Create an account in this tenant with a role', body: ZCreateUserBody, response: withErrors({ 201: zEnvelope(ZUser) }) },
      config: { permission: 'users:write' },
    }, async (req, reply) => reply.status(201).send(envelope(req, await service.create(tenantCtx(req), req.body))));

    app.put('/users/me/profile', {
      schema: { operationId: 'updateMyProfile', tags, summary: "Update the caller's own name, avatar and phone", body: ZUpdateProfileBody, response: withErrors({ 200: zEnvelope(ZUser) }) },
      config: { permission: 'profile:write' },
    }, async (req) => envelope(req, await service.updateProfile(tenantCtx(req), req.body)));

    app.get('/users/:id', {
      schema: { operationId: 'getUser', tags, summary: 'Get a member', params: ZUserId, response: withErrors({ 200: zEnvelope(ZUser) }) },
      config: { permission: 'users:read' },
    }, async (req) => envelope(req, await service.get(tenantCtx(req), req.params.id)));

    app.patch('/users/:id', {
      schema: { operationId: 'updateUser', tags, summary: "Update a member's name, avatar or phone", params: ZUserId, body: ZUpdateUserBody, response: withErrors({ 200: zEnvelope(ZUser) }) },
      config: { permission: 'users:write' },
    }, async (req) => envelope(req, await service.update(tenantCtx(req), req.params.id, req.body)));

    app.patch('/users/:id/status', {
      schema: { operationId: 'setUserActive', tags, summary: 'Activate or deactivate a member', params: ZUserId, body: ZSetActiveBody, response: withErrors({ 200: zEnvelope(ZUser) }) },
      config: { permission: 'users:write' },
    }, async (req) => envelope(req, await service.setActive(tenantCtx(req), req.params.id, req.body.isActive)));

    app.delete('/users/:id', {
      schema: { operationId: 'deleteUser', tags, summary: 'Remove a member from this tenant', params: ZUserId, response: withErrors({ 204: z.null() }) },
      config: { permission: 'users:delete' },
    }, async (req, reply) => {
      await service.remove(tenantCtx(req), req.params.id);
      return reply.status(204).send(null);
    });
  };
