import { join } from 'node:path';

import { z } from 'zod';

import type { EmbeddingsConfig } from '../adapters/embeddings/port.js';

const RUN_MODES = ['api', 'worker'] as const;
export type RunMode = (typeof RUN_MODES)[number];

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const list = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean));

/** Every environment variable Switchboard reads. Nothing else touches process.env. */
const ZEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(3000).pipe(z.number().max(65535)),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_MAX: int(10, 1),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  RUN_MODES: list.pipe(z.array(z.enum(RUN_MODES)).min(1)).default(['api', 'worker']),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ENCRYPTION_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes); generate one with `openssl rand -hex 32`')
    .optional(),
  CORS_ORIGINS: list.default([]),
  TRUST_PROXY: bool.default(false),
  BODY_LIMIT_BYTES: int(1_048_576, 1024),
  UPLOAD_LIMIT_BYTES: int(26_214_400, 1024),
  RATE_LIMIT_ENABLED: bool.default(true),
  RATE_LIMIT_WINDOW_MS: int(60_000, 1000),
  RATE_LIMIT_AUTH: int(5, 1),
  RATE_LIMIT_GENERAL: int(100, 1),
  RATE_LIMIT_UPLOAD: int(10, 1),
  RATE_LIMIT_AI: int(20, 1),
  RATE_LIMIT_ANALYTICS: int(50, 1),
  RATE_LIMIT_WEBHOOKS: int(1000, 1),
  MAX_EVENT_LOOP_DELAY_MS: int(1000, 0),
  WS_HEARTBEAT_MS: int(30_000, 50),
  CHAT_HISTORY_WINDOW: int(10, 2),
  WORKER_CONCURRENCY: int(4, 1),
  WORKER_POLL_INTERVAL_MS: int(500, 10),
  JOB_LEASE_MS: int(60_000, 100),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100),
  OUTBOUND_ALLOW_HOSTS: list.default([]),
  OUTBOUND_ALLOW_PORTS: list.pipe(z.array(z.string().regex(/^\d{1,5}$/, 'must be port numbers').transform(Number).pipe(z.number().min(1).max(65535)))).default([]),
  OUTBOUND_TIMEOUT_MS: int(30_000, 100),
  OUTBOUND_MAX_BYTES: int(10_485_760, 1024),
  OUTBOUND_MAX_REDIRECTS: int(5, 0),
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  S3_BUCKET: z.string().min(3).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ENDPOINT: z.url().optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_PREFIX: z.string().regex(/^([A-Za-z0-9._-]+\/)*$/, 'must be empty or end with "/", e.g. switchboard/').default(''),
  EMBEDDINGS_PROVIDER: z.enum(['none', 'openai', 'openai-compatible']).default('none'),
  EMBEDDINGS_BASE_URL: z.url().optional(),
  EMBEDDINGS_API_KEY: z.string().min(1).optional(),
  EMBEDDINGS_MODEL: z.string().min(1).default('text-embedding-3-small'),
  EMBEDDINGS_DIMENSIONS: z.coerce.number().int().min(1).max(16_000).optional(),
  EMBEDDINGS_BATCH_SIZE: int(64, 1),
  EMBEDDINGS_QUERY_TIMEOUT_MS: int(5_000, 100),
  RETRIEVAL_CACHE_SIZE: int(1_000, 0),
  RETRIEVAL_CACHE_TTL_MS: int(300_000, 0),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: int(587, 1).pipe(z.number().max(65535)),
  SMTP_SECURE: bool.default(false),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASS: z.string().min(1).optional(),
  MAIL_FROM: z.string().min(3).default('Switchboard <no-reply@localhost>'),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).default('switchboard-api'),
  AUTH_ACCESS_TOKEN_TTL_SECONDS: int(900, 60),
  AUTH_REFRESH_TOKEN_TTL_SECONDS: int(604_800, 300),
  AUTH_ACCOUNT_MAX_FAILURES: int(5, 1),
  AUTH_ACCOUNT_WINDOW_MS: int(900_000, 1000),
  OAUTH_GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  OAUTH_GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  OAUTH_GOOGLE_AUTHORIZE_URL: z.url().default('https://accounts.google.com/o/oauth2/v2/auth'),
  OAUTH_GOOGLE_TOKEN_URL: z.url().default('https://oauth2.googleapis.com/token'),
  OAUTH_GOOGLE_USERINFO_URL: z.url().default('https://openidconnect.googleapis.com/v1/userinfo'),
  OAUTH_GITHUB_CLIENT_ID: z.string().min(1).optional(),
  OAUTH_GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
  OAUTH_GITHUB_AUTHORIZE_URL: z.url().default('https://github.com/login/oauth/authorize'),
  OAUTH_GITHUB_TOKEN_URL: z.url().default('https://github.com/login/oauth/access_token'),
  OAUTH_GITHUB_USERINFO_URL: z.url().default('https://api.github.com/user'),
  OAUTH_MICROSOFT_CLIENT_ID: z.string().min(1).optional(),
  OAUTH_MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  OAUTH_MICROSOFT_AUTHORIZE_URL: z.url().default('https://login.microsoftonline.com/common/oauth2/v2.0/authorize'),
  OAUTH_MICROSOFT_TOKEN_URL: z.url().default('https://login.microsoftonline.com/common/oauth2/v2.0/token'),
  OAUTH_MICROSOFT_USERINFO_URL: z.url().default('https://graph.microsoft.com/oidc/userinfo'),
  OAUTH_FACEBOOK_CLIENT_ID: z.string().min(1).optional(),
  OAUTH_FACEBOOK_CLIENT_SECRET: z.string().min(1).optional(),
  OAUTH_FACEBOOK_AUTHORIZE_URL: z.url().default('https://www.facebook.com/v19.0/dialog/oauth'),
  OAUTH_FACEBOOK_TOKEN_URL: z.url().default('https://graph.facebook.com/v19.0/oauth/access_token'),
  OAUTH_FACEBOOK_USERINFO_URL: z.url().default('https://graph.facebook.com/me?fields=id,email,first_name,last_name'),
});

/** The names of every variable, for the documentation check. */
export const ENV_VARIABLES: readonly string[] = Object.keys(ZEnv.shape);

export const SOCIAL_PROVIDERS = ['google', 'github', 'microsoft', 'facebook'] as const;
export type SocialProvider = (typeof SOCIAL_PROVIDERS)[number];
/** A provider is enabled when its client id and secret are set; the endpoints default to the provider's own. */
export type SocialProviderConfig = { clientId: string; clientSecret: string; authorizeUrl: string; tokenUrl: string; userinfoUrl: string };

export type RateLimitCategory = 'auth' | 'general' | 'upload' | 'ai' | 'analytics' | 'webhooks';

export type Config = Readonly<{
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  database: { url?: string; poolMax: number; isEmbedded: boolean };
  redisUrl?: string;
  runModes: readonly RunMode[];
  logLevel: string;
  encryptionKey?: string;
  corsOrigins: readonly string[];
  trustProxy: boolean;
  bodyLimitBytes: number;
  uploadLimitBytes: number;
  rateLimit: { enabled: boolean; windowMs: number; max: Record<RateLimitCategory, number> };
  maxEventLoopDelayMs: number;
  /** WebSocket chat (src/modules/realtime): ping interval; a peer that misses one is dropped. */
  websocket: { heartbeatMs: number };
  /** Chat runtime (src/modules/chat): messages sent along with each question; older ones go into the running summary. */
  chat: { historyWindow: number };
  worker: { concurrency: number; pollIntervalMs: number; leaseMs: number };
  shutdownTimeoutMs: number;
  /** Outbound HTTP (src/adapters/http): what may be reached, and the caps per call. */
  outbound: { allowHosts: readonly string[]; allowPorts: readonly number[]; timeoutMs: number; maxBytes: number; maxRedirects: number };
  /** Outgoing mail (src/adapters/mail): SMTP when configured, otherwise the dev mailbox table. */
  mail: { from: string; smtp?: { url?: string; host?: string; port: number; secure: boolean; user?: string; pass?: string } };
  /** Sign-in (src/modules/auth): token lifetimes, JWT audience/issuer, per-account brute-force limit, social login. */
  auth: {
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlSeconds: number;
    accountMaxFailures: number;
    accountWindowMs: number;
    social: Record<SocialProvider, SocialProviderConfig | undefined>;
  };
  /** Retrieval: optional embedding provider (hybrid search) and the query-result cache. */
  retrieval: {
    embeddings?: EmbeddingsConfig;
    queryEmbeddingTimeoutMs: number;
    cache: { maxEntries: number; ttlMs: number };
  };
  /** Uploaded originals: local files under DATA_DIR/files, or an S3-compatible bucket. */
  storage:
    | { driver: 'local'; dir: string }
    | {
        driver: 's3';
        s3: {
          bucket: string;
          region: string;
          endpoint?: string;
          forcePathStyle: boolean;
          accessKeyId?: string;
          secretAccessKey?: string;
          prefix: string;
        };
      };
}>;

export class ConfigError extends Error {}

/** Empty strings count as unset, so `FOO=` in a shell or .env file falls back to the default. */
const withoutEmpty = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));

const socialProvider = (
  clientId: string | undefined,
  clientSecret: string | undefined,
  authorizeUrl: string,
  tokenUrl: string,
  userinfoUrl: string,
): SocialProviderConfig | undefined => (clientId && clientSecret ? { clientId, clientSecret, authorizeUrl, tokenUrl, userinfoUrl } : undefined);

export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  const parsed = ZEnv.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid configuration: ${name}: ${issue.message}`);
  }
  const e = parsed.data;
  if (e.STORAGE_DRIVER === 's3' && !e.S3_BUCKET) throw new ConfigError('Invalid configuration: S3_BUCKET: required when STORAGE_DRIVER=s3');
  if (e.EMBEDDINGS_PROVIDER === 'openai-compatible' && !e.EMBEDDINGS_BASE_URL) {
    throw new ConfigError('Invalid configuration: EMBEDDINGS_BASE_URL: required when EMBEDDINGS_PROVIDER=openai-compatible');
  }
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    dataDir: e.DATA_DIR,
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, isEmbedded: !e.DATABASE_URL },
    redisUrl: e.REDIS_URL,
    runModes: Object.freeze([...new Set(e.RUN_MODES)]),
    logLevel: e.LOG_LEVEL,
    encryptionKey: e.ENCRYPTION_KEY,
    corsOrigins: Object.freeze(e.CORS_ORIGINS),
    trustProxy: e.TRUST_PROXY,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    uploadLimitBytes: e.UPLOAD_LIMIT_BYTES,
    rateLimit: {
      enabled: e.RATE_LIMIT_ENABLED,
      windowMs: e.RATE_LIMIT_WINDOW_MS,
      max: {
        auth: e.RATE_LIMIT_AUTH,
        general: e.RATE_LIMIT_GENERAL,
        upload: e.RATE_LIMIT_UPLOAD,
        ai: e.RATE_LIMIT_AI,
        analytics: e.RATE_LIMIT_ANALYTICS,
        webhooks: e.RATE_LIMIT_WEBHOOKS,
      },
    },
    maxEventLoopDelayMs: e.MAX_EVENT_LOOP_DELAY_MS,
    websocket: { heartbeatMs: e.WS_HEARTBEAT_MS },
    chat: { historyWindow: e.CHAT_HISTORY_WINDOW },
    worker: { concurrency: e.WORKER_CONCURRENCY, pollIntervalMs: e.WORKER_POLL_INTERVAL_MS, leaseMs: e.JOB_LEASE_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    outbound: {
      allowHosts: Object.freeze(e.OUTBOUND_ALLOW_HOSTS),
      allowPorts: Object.freeze(e.OUTBOUND_ALLOW_PORTS),
      timeoutMs: e.OUTBOUND_TIMEOUT_MS,
      maxBytes: e.OUTBOUND_MAX_BYTES,
      maxRedirects: e.OUTBOUND_MAX_REDIRECTS,
    },
    mail: {
      from: e.MAIL_FROM,
      smtp:
        e.SMTP_URL || e.SMTP_HOST
          ? { url: e.SMTP_URL, host: e.SMTP_HOST, port: e.SMTP_PORT, secure: e.SMTP_SECURE, user: e.SMTP_USER, pass: e.SMTP_PASS }
          : undefined,
    },
    auth: {
      issuer: e.AUTH_JWT_ISSUER ?? (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
      audience: e.AUTH_JWT_AUDIENCE,
      accessTokenTtlSeconds: e.AUTH_ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: e.AUTH_REFRESH_TOKEN_TTL_SECONDS,
      accountMaxFailures: e.AUTH_ACCOUNT_MAX_FAILURES,
      accountWindowMs: e.AUTH_ACCOUNT_WINDOW_MS,
      social: {
        google: socialProvider(e.OAUTH_GOOGLE_CLIENT_ID, e.OAUTH_GOOGLE_CLIENT_SECRET, e.OAUTH_GOOGLE_AUTHORIZE_URL, e.OAUTH_GOOGLE_TOKEN_URL, e.OAUTH_GOOGLE_USERINFO_URL),
        github: socialProvider(e.OAUTH_GITHUB_CLIENT_ID, e.OAUTH_GITHUB_CLIENT_SECRET, e.OAUTH_GITHUB_AUTHORIZE_URL, e.OAUTH_GITHUB_TOKEN_URL, e.OAUTH_GITHUB_USERINFO_URL),
        microsoft: socialProvider(e.OAUTH_MICROSOFT_CLIENT_ID, e.OAUTH_MICROSOFT_CLIENT_SECRET, e.OAUTH_MICROSOFT_AUTHORIZE_URL, e.OAUTH_MICROSOFT_TOKEN_URL, e.OAUTH_MICROSOFT_USERINFO_URL),
        facebook: socialProvider(e.OAUTH_FACEBOOK_CLIENT_ID, e.OAUTH_FACEBOOK_CLIENT_SECRET, e.OAUTH_FACEBOOK_AUTHORIZE_URL, e.OAUTH_FACEBOOK_TOKEN_URL, e.OAUTH_FACEBOOK_USERINFO_URL),
      },
    },
    retrieval: {
      embeddings:
        e.EMBEDDINGS_PROVIDER === 'none'
          ? undefined
          : {
              provider: e.EMBEDDINGS_PROVIDER,
              baseUrl: e.EMBEDDINGS_BASE_URL,
              apiKey: e.EMBEDDINGS_API_KEY,
              model: e.EMBEDDINGS_MODEL,
              dimensions: e.EMBEDDINGS_DIMENSIONS,
              batchSize: e.EMBEDDINGS_BATCH_SIZE,
            },
      queryEmbeddingTimeoutMs: e.EMBEDDINGS_QUERY_TIMEOUT_MS,
      cache: { maxEntries: e.RETRIEVAL_CACHE_SIZE, ttlMs: e.RETRIEVAL_CACHE_TTL_MS },
    },
    storage:
      e.STORAGE_DRIVER === 's3'
        ? {
            driver: 's3' as const,
            s3: {
              bucket: e.S3_BUCKET!,
              region: e.S3_REGION,
              endpoint: e.S3_ENDPOINT,
              forcePathStyle: e.S3_FORCE_PATH_STYLE,
              accessKeyId: e.S3_ACCESS_KEY_ID,
              secretAccessKey: e.S3_SECRET_ACCESS_KEY,
              prefix: e.S3_PREFIX,
            },
          }
        : { driver: 'local' as const, dir: join(e.DATA_DIR, 'files') },
  });
};

export const hasMode = (config: Config, mode: RunMode): boolean => config.runModes.includes(mode);
