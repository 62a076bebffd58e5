import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { checkTenantIsolation, type IsolationSeed } from '../../helpers/tenant-isolation.js';
import { labelsIsolationSeed } from '../labels/labels.isolation.js';

/** Every module with tenant routes adds its seed here; the coverage test fails for a route left out. */
const SEEDS: Record<string, IsolationSeed> = {
  labels: labelsIsolationSeed,
};

describe('tenant isolation on every tenant route', () => {
  let t: TestApp;
  const covered = new Set<string>();
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  for (const [module, seed] of Object.entries(SEEDS)) {
    it(`${module}: 404 across tenants, 401 without or with bad credentials, 403 without permission or when suspended`, async () => {
      for (const routeCase of await checkTenantIsolation(t, seed)) covered.add(`${routeCase.method} ${routeCase.route}`);
    });
  }

  it('covers every route that requires a permission', async () => {
    const routes = (await t.app.inject({ method: 'GET', url: '/api/v1/routes' })).json().data as { method: string; url: string; permission?: string }[];
    const tenantRoutes = routes.filter((route) => route.permission).map((route) => `${route.method} ${route.url}`);
    expect(tenantRoutes.length).toBeGreaterThan(0);
    expect(tenantRoutes.filter((route) => !covered.has(route))).toEqual([]);
  });
});
