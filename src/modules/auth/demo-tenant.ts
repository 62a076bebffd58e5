import { randomBytes } from 'node:crypto';

import type { Logger } from 'pino';

import type { Db } from '../../db/client.js';
import type { TenantsService } from '../tenants/tenants.service.js';
import { createAuthRepo } from './auth.repo.js';
import type { AuthService } from './auth.service.js';

export const DEMO_OWNER_EMAIL = 'owner@demo.switchboard.local';

/** 144 random bits, plus both cases, a digit and a symbol, so it satisfies any password policy a tenant can set. */
export const generateDemoPassword = (): string => `${randomBytes(18).toString('base64url')}aZ9!`;

/**
 * First start of an embedded install: nobody can sign in yet, so a demo tenant and its owner are created and the
 * owner's password (random, shown only this once) goes to the log. The owner is also the platform administrator,
 * so the operator can manage tenants and rotate signing keys. Does nothing once any user exists.
 */
export const ensureDemoTenant = async (deps: {
  db: Db;
  tenants: Pick<TenantsService, 'create'>;
  auth: Pick<AuthService, 'createAccount'>;
  logger: Logger;
}): Promise<{ email: string; password: string; tenantId: string } | undefined> => {
  const repo = createAuthRepo(deps.db);
  if ((await repo.countUsers()) > 0) return undefined;
  const password = generateDemoPassword();
  const tenant = await deps.tenants.create({ name: 'Demo' });
  const user = await deps.auth.createAccount({ tenantId: tenant.id, email: DEMO_OWNER_EMAIL, password, firstName: 'Demo', lastName: 'Owner', roleKey: 'owner' });
  await repo.setPlatformAdmin(user.id, true);
  deps.logger.warn(
    { email: DEMO_OWNER_EMAIL, password, tenantId: tenant.id },
    `First start: created the Demo tenant. Sign in as ${DEMO_OWNER_EMAIL} with the password ${password} (shown once; change it with PUT /api/v1/auth/password)`,
  );
  return { email: DEMO_OWNER_EMAIL, password, tenantId: tenant.id };
};
