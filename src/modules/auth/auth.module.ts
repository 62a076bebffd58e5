import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import type { MailPort } from '../../adapters/mail/port.js';
import type { Authenticator } from '../../app/plugins/auth.js';
import type { Config } from '../../config/env.js';
import type { Db } from '../../db/client.js';
import type { AuditService } from '../audit/audit.service.js';
import type { TenantsService } from '../tenants/tenants.service.js';
import { createAccessTokens } from './access-tokens.js';
import { createAccountLimiter } from './account-limiter.js';
import { createAuthService } from './auth.service.js';
import { createAuthenticator } from './authenticator.js';
import { createSessions } from './sessions.js';
import { createSigningKeys } from './signing-keys.js';
import { createSocialService } from './social.service.js';

export const createAuthModule = (deps: {
  db: Db;
  config: Pick<Config, 'auth' | 'publicUrl'>;
  encryptionKey: string;
  redis?: Redis;
  apiKeyAuthenticator: Authenticator;
  tenants: Pick<TenantsService, 'create'>;
  audit: Pick<AuditService, 'record'>;
  mail: MailPort;
  logger: Logger;
}) => {
  const { auth } = deps.config;
  const keys = createSigningKeys({ db: deps.db, encryptionKey: deps.encryptionKey, accessTokenTtlSeconds: auth.accessTokenTtlSeconds });
  const accessTokens = createAccessTokens({ keys, settings: { issuer: auth.issuer, audience: auth.audience, ttlSeconds: auth.accessTokenTtlSeconds } });
  const sessions = createSessions({ db: deps.db, accessTokens, refreshTtlSeconds: auth.refreshTokenTtlSeconds });
  const limiter = createAccountLimiter({ redis: deps.redis, max: auth.accountMaxFailures, windowMs: auth.accountWindowMs });
  const serviceDeps = { ...deps, keys, accessTokens, sessions, limiter, publicUrl: deps.config.publicUrl };
  const service = createAuthService(serviceDeps);
  return {
    service,
    social: createSocialService({ ...serviceDeps, providers: auth.social, auth: service }),
    authenticate: createAuthenticator({ apiKey: deps.apiKeyAuthenticator, accessTokens, sessions }),
  };
};

export type AuthModule = ReturnType<typeof createAuthModule>;
