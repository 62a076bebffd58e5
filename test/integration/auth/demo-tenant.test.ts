import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEMO_OWNER_EMAIL, ensureDemoTenant, generateDemoPassword } from '../../../src/modules/auth/demo-tenant.js';
import { passwordStrength } from '../../../src/modules/auth/passwords.js';
import { ZPasswordPolicy } from '../../../src/modules/tenants/tenant-settings.schemas.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { AUTH_TEST_ENV, login, me } from './auth-helpers.js';

describe('first embedded start: demo tenant and owner', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: AUTH_TEST_ENV });
  });
  afterAll(() => t.close());

  it('creates the demo owner once, logs the one-time password, and the owner can sign in as platform admin', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const deps = { db: t.database.db, tenants: t.container.modules.tenants, auth: t.container.auth.service, logger };

    const created = await ensureDemoTenant(deps);
    expect(created).toMatchObject({ email: DEMO_OWNER_EMAIL, password: expect.any(String) });
    expect(lines.join('\n')).toContain(created!.password);
    expect(lines.join('\n')).toContain(DEMO_OWNER_EMAIL);

    const signedIn = await login(t, { email: DEMO_OWNER_EMAIL, password: created!.password });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json().data.user).toMatchObject({ tenantId: created!.tenantId, roles: ['owner'] });
    const token = signedIn.json().data.tokens.accessToken as string;
    expect((await me(t, token)).statusCode).toBe(200);
    const rotate = await t.app.inject({ method: 'POST', url: '/api/v1/auth/keys/rotate', headers: { authorization: `Bearer ${token}` } });
    expect(rotate.statusCode).toBe(200);

    // Any existing user means it is not a first start: nothing is created, nothing logged.
    lines.length = 0;
    expect(await ensureDemoTenant(deps)).toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('generated passwords differ every time and satisfy the strictest policy', () => {
    const strictest = ZPasswordPolicy.parse({ minLength: 24, requireSymbol: true });
    const passwords = new Set(Array.from({ length: 20 }, generateDemoPassword));
    expect(passwords.size).toBe(20);
    for (const password of passwords) expect(passwordStrength(password, strictest)).toMatchObject({ isValid: true, score: 4 });
  });
});
