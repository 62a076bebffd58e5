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
