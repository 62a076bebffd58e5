import { createHash } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, createUser } from '../../helpers/fixtures.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** The guard createTestApp installs on every suite: proven here through an ordinary route that echoes input. */
describe('secret leak guard on every response', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const echo = async (headers: Record<string, string>, name: string, description: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/labels', headers, payload: { name, description } });

  it('turns a response holding an argon2 hash, a stored token hash or an old API key secret into a 500', async () => {
    const tenant = await createTenant(t);
    const user = await createUser(t, tenant, 'owner');

    const clean = await echo(tenant.headers, 'clean', 'nothing secret here');
    expect(clean.statusCode, clean.body).toBe(201);

    const argon = await echo(tenant.headers, 'argon', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA');
    expect(argon.statusCode).toBe(500);
    expect(argon.json().error.message).toContain('argon2');

    const tokenHash = await echo(tenant.headers, 'hash', `leaked ${sha256(user.refreshToken)}`);
    expect(tokenHash.statusCode).toBe(500);
    expect(tokenHash.json().error.message).toContain('stored token hash');

    const secret = await echo(tenant.headers, 'secret', `leaked ${tenant.token}`);
    expect(secret.statusCode).toBe(500);
    expect(secret.json().error.message).toContain('API key secret');

    const unrelatedDigest = await echo(tenant.headers, 'digest', sha256('not a stored token'));
    expect(unrelatedDigest.statusCode).toBe(201);

    expect(t.secretLeaks).toHaveLength(3);
    // Found on purpose: clear them so close() does not fail this suite.
    t.secretLeaks.length = 0;
  });
});
