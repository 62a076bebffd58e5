import type { InjectOptions } from 'fastify';
import { expect } from 'vitest';

import type { TestApp } from './build-test-app.js';
import { createApiKey, createTenant, type TestTenant } from './fixtures.js';

export type RouteCase = {
  /** The route template as registered, e.g. /api/v1/labels/:id; used to prove every tenant route is covered. */
  route: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The concrete URL, holding the owner's resource ids where the route has any. */
  url: string;
  body?: InjectOptions['payload'];
  /** Extra request headers besides the credential, e.g. the content type of a multipart body. */
  headers?: Record<string, string>;
  /** True when the URL names the owner's resources, so another tenant must get 404. */
  hasTenantIds: boolean;
  /** The owner's credential for this case when the tenant's API key cannot stand in (routes about the calling person). */
  ownerHeaders?: { authorization: string };
};

/** Creates the owner's resources and returns one case per route; runs once per check with a fresh owner. */
export type IsolationSeed = (t: TestApp, owner: TestTenant) => Promise<RouteCase[]>;

const send = (t: TestApp, routeCase: RouteCase, headers: Record<string, string>) =>
  t.app.inject({ method: routeCase.method, url: routeCase.url, payload: routeCase.body, headers: { ...routeCase.headers, ...headers } });

const expectError = (response: { statusCode: number; json: () => unknown }, status: number, code: string, label: string) => {
  expect(response.statusCode, label).toBe(status);
  expect((response.json() as { error: { code: string } }).error.code, label).toBe(code);
};

/**
 * The shared cross-tenant and auth checks every tenant route must pass (after Unkey's runCommonRouteTests):
 * the owner succeeds; another tenant gets 404 for the owner's ids; no or invalid credentials get 401; a credential
 * without the route's permission gets 403; a suspended tenant gets 403 TENANT_SUSPENDED.
 */
export const checkTenantIsolation = async (t: TestApp, seed: IsolationSeed) => {
  const owner = await createTenant(t);
  const other = await createTenant(t);
  const cases = await seed(t, owner);
  const powerless = await createApiKey(t, owner, []);

  for (const routeCase of cases) {
    const label = `${routeCase.method} ${routeCase.url}`;
    if (routeCase.hasTenantIds) {
      expectError(await send(t, routeCase, other.headers), 404, 'RESOURCE_NOT_FOUND', `${label} as another tenant`);
    }
    expectError(await send(t, routeCase, {}), 401, 'AUTHENTICATION_FAILED', `${label} without credentials`);
    expectError(await send(t, routeCase, { authorization: 'Bearer sb_not-a-real-key' }), 401, 'AUTHENTICATION_FAILED', `${label} with a bad key`);
    expectError(await send(t, routeCase, powerless.headers), 403, 'INSUFFICIENT_PERMISSIONS', `${label} without permission`);
    // Last, so a destructive route has been tried by everyone else before the owner uses it.
    const ownerResponse = await send(t, routeCase, routeCase.ownerHeaders ?? owner.headers);
    expect(ownerResponse.statusCode, `${label} as owner: ${ownerResponse.body}`).toBeLessThan(400);
  }

  await t.container.modules.tenants.setStatus(owner.id, 'suspended');
  for (const routeCase of cases) {
    expectError(await send(t, routeCase, routeCase.ownerHeaders ?? owner.headers), 403, 'TENANT_SUSPENDED', `${routeCase.method} ${routeCase.url} suspended`);
  }
  return cases;
};
