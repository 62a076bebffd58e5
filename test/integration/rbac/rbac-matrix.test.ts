import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BUILTIN_ROLE_KEYS, BUILTIN_ROLES } from '../../../src/modules/rbac/permissions.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, createUser } from '../../helpers/fixtures.js';
import type { IsolationSeed } from '../../helpers/tenant-isolation.js';
import { apiKeysIsolationSeed } from '../api-keys/api-keys.isolation.js';
import { teamIsolationSeed } from '../team/team.isolation.js';
import { usersIsolationSeed } from '../users/users.isolation.js';
import { rbacIsolationSeed } from './rbac.isolation.js';

/** The access routes, each exercised by the same cases the isolation suite uses. */
const MODULES: Record<string, IsolationSeed> = { rbac: rbacIsolationSeed, users: usersIsolationSeed, team: teamIsolationSeed, apiKeys: apiKeysIsolationSeed };

/**
 * Each built-in role against each access route, with a real signed-in user of that role: allowed exactly when the
 * role's permissions (BUILTIN_ROLES) include the permission the route declares, otherwise 403.
 */
describe('rbac matrix: built-in roles x access routes', () => {
  let t: TestApp;
  let permissionOf: Map<string, string>;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAX_EVENT_LOOP_DELAY_MS: '0' } });
    const routes = (await t.app.inject({ method: 'GET', url: '/api/v1/routes' })).json().data as { method: string; url: string; permission?: string }[];
    permissionOf = new Map(routes.filter((route) => route.permission).map((route) => [`${route.method} ${route.url}`, route.permission!]));
  });
  afterAll(() => t.close());

  for (const role of BUILTIN_ROLE_KEYS) {
    for (const [module, seed] of Object.entries(MODULES)) {
      it(`${role} on ${module} routes`, async () => {
        const tenant = await createTenant(t);
        const cases = await seed(t, tenant);
        const user = await createUser(t, tenant, role);
        const granted = new Set<string>(BUILTIN_ROLES[role].permissions);
        let allowed = 0;
        for (const routeCase of cases) {
          const permission = permissionOf.get(`${routeCase.method} ${routeCase.route}`);
          expect(permission, `${routeCase.method} ${routeCase.route} declares a permission`).toBeDefined();
          const response = await t.app.inject({ method: routeCase.method, url: routeCase.url, payload: routeCase.body, headers: user.headers });
          const label = `${role} ${routeCase.method} ${routeCase.url} (${permission}): ${response.body.slice(0, 200)}`;
          if (granted.has(permission!)) {
            allowed += 1;
            expect(response.statusCode, label).toBeLessThan(400);
          } else {
            expect(response.statusCode, label).toBe(403);
            expect(response.json().error.code, label).toBe('INSUFFICIENT_PERMISSIONS');
          }
        }
        // Owners may do everything here (a seed whose cases all fail for an owner is broken, not strict).
        if (role === 'owner') expect(allowed).toBe(cases.length);
      }, 120_000);
    }
  }
});
