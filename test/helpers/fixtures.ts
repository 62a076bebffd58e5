import { randomUUID } from 'node:crypto';

import type { TestApp } from './build-test-app.js';

export type TestTenant = {
  id: string;
  name: string;
  token: string;
  headers: { authorization: string };
};

/** A new tenant with an API key holding every permission, unless `scopes` narrows it. */
export const createTenant = async (t: TestApp, options: { scopes?: string[] } = {}): Promise<TestTenant> => {
  const name = `Tenant ${randomUUID().slice(0, 8)}`;
  const tenant = await t.container.modules.tenants.create({ name });
  const key = await t.container.modules.apiKeys.create({ tenantId: tenant.id }, { name: 'fixture', scopes: options.scopes ?? ['*'] });
  return { id: tenant.id, name, token: key.secret, headers: { authorization: `Bearer ${key.secret}` } };
};

export const createApiKey = async (t: TestApp, tenant: Pick<TestTenant, 'id'>, scopes: string[]) => {
  const key = await t.container.modules.apiKeys.create({ tenantId: tenant.id }, { name: 'scoped fixture', scopes });
  return { ...key, headers: { authorization: `Bearer ${key.secret}` } };
};

export type TestUser = {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  headers: { authorization: string };
};

/**
 * A member of `tenant` holding a role (owner, admin, agent, viewer or a custom role key), signed in: use `headers`
 * to call as that user with a real access token.
 */
export const createUser = async (t: TestApp, tenant: Pick<TestTenant, 'id'>, roleKey: string, options: { password?: string } = {}): Promise<TestUser> => {
  const email = `user-${randomUUID().slice(0, 12)}@example.test`;
  const password = options.password ?? `Pw-${randomUUID()}`;
  const user = await t.container.auth.service.createAccount({ tenantId: tenant.id, email, password, firstName: 'Test', lastName: roleKey, roleKey });
  const { tokens } = await t.container.auth.service.signInAs(user.id, tenant.id);
  return { id: user.id, email, password, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, headers: { authorization: `Bearer ${tokens.accessToken}` } };
};
