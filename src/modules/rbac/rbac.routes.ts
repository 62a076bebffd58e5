import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

import { envelope, withErrors, zEnvelope } from '../../app/envelope.js';
import { tenantCtx } from '../../app/plugins/auth.js';
import {
  ZAttachRoleBody,
  ZCreateRoleBody,
  ZModulePermissions,
  ZPermissionCatalogue,
  ZPermissionsBody,
  ZRole,
  ZRoleId,
  ZRoleList,
  ZRolePermissionParams,
  ZUpdateRoleBody,
  ZUserAccess,
  ZUserId,
  ZUserPermissionParams,
  ZUserRoleParams,
} from './rbac.schemas.js';
import type { RbacService } from './rbac.service.js';

const tags = ['rbac'];

export const rbacRoutes =
  (service: RbacService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/permissions', {
      schema: { operationId: 'listPermissions', tags, summary: 'The permission catalogue', response: withErrors({ 200: zEnvelope(ZPermissionCatalogue) }) },
      config: { permission: 'roles:read' },
    }, async (req) => envelope(req, service.catalogue(tenantCtx(req))));

    app.get('/permissions/module-wise', {
      schema: { operationId: 'listPermissionsByModule', tags, summary: 'The permission catalogue grouped by module', response: withErrors({ 200: zEnvelope(ZModulePermissions) }) },
      config: { permission: 'roles:read' },
    }, async (req) => envelope(req, service.catalogueByModule(tenantCtx(req))));

    app.get('/roles', {
      schema: { operationId: 'listRoles', tags, summary: 'Built-in and custom roles with their permissions', response: withErrors({ 200: zEnvelope(ZRoleList) }) },
      config: { permission: 'roles:read' },
    }, async (req) => envelope(req, await service.listRoles(tenantCtx(req))));

    app.post('/roles', {
      schema: { operationId: 'createRole', tags, summary: 'Create a custom role', body: ZCreateRoleBody, response: withErrors({ 201: zEnvelope(ZRole) }) },
      config: { permission: 'roles:write' },
    }, async (req, reply) => reply.status(201).send(envelope(req, await service.createRole(tenantCtx(req), req.body))));

    app.get('/roles/:id', {
      schema: { operationId: 'getRole', tags, summary: 'Get a role', params: ZRoleId, response: withErrors({ 200: zEnvelope(ZRole) }) },
      config: { permission: 'roles:read' },
    }, async (req) => envelope(req, await service.getRole(tenantCtx(req), req.params.id)));

    app.patch('/roles/:id', {
      schema: { operationId: 'updateRole', tags, summary: 'Rename or describe a custom role', params: ZRoleId, body: ZUpdateRoleBody, response: withErrors({ 200: zEnvelope(ZRole) }) },
      config: { permission: 'roles:write' },
    }, async (req) => envelope(req, await service.updateRole(tenantCtx(req), req.params.id, req.body)));

    app.delete('/roles/:id', {
      schema: { operationId: 'deleteRole', tags, summary: 'Delete a custom role (its members lose it)', params: ZRoleId, response: withErrors({ 204: z.null() }) },
      config: { permission: 'roles:delete' },
    }, async (req, reply) => {
      await service.deleteRole(tenantCtx(req), req.params.id);
      return reply.status(204).send(null);
    });

    app.post('/roles/:id/permissions', {
      schema: { operationId: 'grantRolePermissions', tags, summary: 'Grant permissions to a custom role', params: ZRoleId, body: ZPermissionsBody, response: withErrors({ 200: zEnvelope(ZRole) }) },
      config: { permission: 'roles:write' },
    }, async (req) => envelope(req, await service.grantRolePermissions(tenantCtx(req), req.params.id, req.body.permissions)));

    app.delete('/roles/:id/permissions/:permission', {
      schema: { operationId: 'revokeRolePermission', tags, summary: 'Revoke a permission from a custom role', params: ZRolePermissionParams, response: withErrors({ 200: zEnvelope(ZRole) }) },
      config: { permission: 'roles:write' },
    }, async (req) => envelope(req, await service.revokeRolePermission(tenantCtx(req), req.params.id, req.params.permission)));

    app.get('/users/:id/permissions', {
      schema: { operationId: 'getUserPermissions', tags, summary: "A user's roles, direct grants and effective permissions", params: ZUserId, response: withErrors({ 200: zEnvelope(ZUserAccess) }) },
      config: { permission: 'users:read' },
    }, async (req) => envelope(req, await service.userAccess(tenantCtx(req), req.params.id)));

    app.post('/users/:id/permissions', {
      schema: { operationId: 'grantUserPermissions', tags, summary: 'Grant permissions directly to a user', params: ZUserId, body: ZPermissionsBody, response: withErrors({ 200: zEnvelope(ZUserAccess) }) },
      config: { permission: 'roles:write' },
    }, async (req) => envelope(req, await service.grantUserPermissions(tenantCtx(req), req.params.id, req.body.permissions)));

    app.delete('/users/:id/permissions/:permission', {
      schema: { operationId: 'revokeUserPermission', tags, summary: 'Revoke a direct permission from a user', params: ZUserPermissionParams, response: withErrors({ 200: zEnvelope(ZUserAccess) }) },
      config: { permission: 'roles:write' },
    }, async (req) => envelope(req, await service.revokeUserPermission(tenantCtx(req), req.params.id, req.params.permission)));

    app.post('/users/:id/roles', {
      schema: { operationId: 'attachUserRole', tags, summary: 'Attach a role to a user', params: ZUserId, body: ZAttachRoleBody, response: withErrors({ 200: zEnvelope(ZUserAccess) }) },
      config: { permission: 'roles:write' },
    }, async (req) => envelope(req, await service.attachRole(tenantCtx(req), req.params.id, req.body.roleKey)));

    app.delete('/users/:id/roles/:roleKey', {
      schema: { operationId: 'detachUserRole', tags, summary: 'Detach a role from a user (never the last owner)', params: ZUserRoleParams, response: withErrors({ 200: zEnvelope(ZUserAccess) }) },
      config: { permission: 'roles:write' },
    }, async (req) => envelope(req, await service.detachRole(tenantCtx(req), req.params.id, req.params.roleKey)));
  };
