import { readFileSync } from 'node:fs';

import { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { createOpenAiEmbeddings } from '../adapters/embeddings/openai-compatible.js';
import { createSafeFetch } from '../adapters/http/safe-fetch.js';
import { createAiSdkLlm } from '../adapters/llm/ai-sdk.js';
import { createDevMailbox } from '../adapters/mail/dev.js';
import { createSmtpMailer } from '../adapters/mail/smtp.js';
import { createLocalDiskStorage } from '../adapters/storage/local-disk.js';
import { createS3Storage } from '../adapters/storage/s3.js';
import { resolveEncryptionKey } from '../config/encryption-key.js';
import { hasMode, type Config } from '../config/env.js';
import type { Database } from '../db/client.js';
import { createMaintenanceJobs } from '../jobs/maintenance.jobs.js';
import { createQueue } from '../jobs/queue.js';
import { createJobRegistry, type AnyJobDefinition, type ScheduleDefinition } from '../jobs/registry.js';
import { createScheduler } from '../jobs/scheduler.js';
import { createWorker } from '../jobs/worker.js';
import { createAgentsModule } from '../modules/agents/agents.module.js';
import { createAiProvidersService } from '../modules/ai-providers/ai-providers.service.js';
import { createApiKeysService } from '../modules/api-keys/api-keys.service.js';
import { createAuditService } from '../modules/audit/audit.service.js';
import { createAuthJobs } from '../modules/auth/auth.jobs.js';
import { createAuthModule } from '../modules/auth/auth.module.js';
import { createChatJobs } from '../modules/chat/chat.jobs.js';
import { createChatService } from '../modules/chat/chat.service.js';
import { createConversationsService } from '../modules/conversations/conversations.service.js';
import { createCrawlerModule } from '../modules/crawler/crawler.module.js';
import { createGdprModule } from '../modules/gdpr/gdpr.module.js';
import { createHealthService } from '../modules/health/health.service.js';
import { createKnowledgeModule } from '../modules/knowledge/knowledge.module.js';
import { createLabelsService } from '../modules/labels/labels.service.js';
import { createOpenAiCompatService } from '../modules/openai-compat/openai-compat.service.js';
import { createRbacService } from '../modules/rbac/rbac.service.js';
import { createTeamService } from '../modules/team/team.service.js';
import { createRetrievalModule } from '../modules/retrieval/retrieval.module.js';
import { createTenantsAdminService } from '../modules/tenants/tenants-admin.service.js';
import { createTenantsService } from '../modules/tenants/tenants.service.js';
import { createUsersService } from '../modules/users/users.service.js';
import { createMetrics } from './metrics.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export type ContainerOptions = {
  config: Config;
  database: Database;
  logger: Logger;
  /** Extra job definitions and schedules (the test harness registers probe jobs this way). */
  jobs?: AnyJobDefinition[];
  schedules?: ScheduleDefinition[];
};

export type Container = Awaited<ReturnType<typeof createContainer>>;

/** The composition root: chooses implementations from config and wires modules. No logic lives here. */
export const createContainer = async (options: ContainerOptions) => {
  const { config, database, logger } = options;
  const db = database.db;
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true }) : undefined;
  if (redis) await redis.connect();
  // Every outbound HTTP call (crawler, URLs, webhooks, tools, LLM providers) goes through this SSRF-guarded client.
  const http = createSafeFetch({ ...config.outbound, userAgent: `Switchboard/${VERSION}` });
  const llm = createAiSdkLlm({ fetch: http.fetchLike });
  const encryptionKey = resolveEncryptionKey(config).key;
  // SMTP when configured; otherwise mail_messages is the dev mailbox. Every module sends through this port.
  const mail = config.mail.smtp
    ? createSmtpMailer({ db, smtp: config.mail.smtp, from: config.mail.from, logger })
    : createDevMailbox({ db });

  // The queue validates against the registry, and the prune job needs the queue: a thunk breaks the cycle.
  const maintenance = createMaintenanceJobs({ db, queue: () => queue, embedded: database.kind === 'embedded', logger });
  const storage = config.storage.driver === 's3' ? createS3Storage(config.storage.s3) : createLocalDiskStorage(config.storage.dir);
  // Embeddings are optional: without a provider, retrieval is lexical (BM25F) only.
  const embeddings = config.retrieval.embeddings ? createOpenAiEmbeddings(config.retrieval.embeddings, http.fetchLike) : undefined;
  const retrieval = createRetrievalModule({
    db,
    queue: () => queue,
    embeddings,
    logger,
    config: {
      embeddingBatchSize: config.retrieval.embeddings?.batchSize ?? 0,
      queryEmbeddingTimeoutMs: config.retrieval.queryEmbeddingTimeoutMs,
      cache: config.retrieval.cache,
    },
  });
  const aiProviders = createAiProvidersService({ db, llm, encryptionKey });
  const knowledge = createKnowledgeModule({
    db,
    queue: { enqueue: (...args) => queue.enqueue(...args), enqueueMany: (...args) => queue.enqueueMany(...args) },
    storage,
    http,
    indexer: () => retrieval.service,
    summaries: { resolve: aiProviders.resolveDefault, llm },
    config: { uploadLimitBytes: config.uploadLimitBytes, analyzeAfterBulkInsert: database.kind === 'embedded' },
  });
  const crawler = createCrawlerModule({
    db,
    queue: { enqueue: (...args) => queue.enqueue(...args) },
    http,
    knowledge: {
      upsertDocumentFromContent: knowledge.service.upsertDocumentFromContent,
      removeDocumentInTx: knowledge.service.removeDocumentInTx,
      getKnowledgeBase: (ctx, id) => knowledge.service.knowledgeBases.get(ctx, id),
    },
  });
  const agents = createAgentsModule({ db, changes: database.changes, queue: () => queue, knowledge: knowledge.service, aiProviders, config: { trainingPollMs: 2000 } });
  const chat = createChatService({
    db,
    llm,
    agents: agents.service,
    aiProviders,
    retrieval: retrieval.service,
    queue: { enqueue: (...args) => queue.enqueue(...args) },
    logger,
    config: { retryBackoffMs: 300, historyWindow: config.chat.historyWindow },
  });
  const chatJobs = createChatJobs({ db, llm, agents: agents.service, aiProviders, logger, config: { historyWindow: config.chat.historyWindow } });
  const audit = createAuditService({ db });
  const users = createUsersService({ db, audit, mail, publicUrl: config.publicUrl });
  const gdpr = createGdprModule({ db, queue: { enqueue: (...args) => queue.enqueue(...args) }, audit });
  const authJobs = createAuthJobs({ db });
  const registry = createJobRegistry([...maintenance.jobs, ...authJobs.jobs, ...knowledge.jobs, ...crawler.jobs, ...retrieval.jobs, ...gdpr.jobs, ...agents.jobs, ...chatJobs, ...(options.jobs ?? [])]);
  const queue = createQueue({ registry, leaseMs: config.worker.leaseMs });
  const metrics = createMetrics({ poolStats: database.poolStats, queueDepth: () => queue.depth(db) });
  const scheduler = createScheduler({ db, queue, schedules: [...maintenance.schedules, ...authJobs.schedules, ...crawler.schedules, ...retrieval.schedules, ...(options.schedules ?? [])] });
  const worker = createWorker({ db, queue, registry, scheduler, metrics, logger, options: config.worker });

  const modules = {
    tenants: createTenantsService({ db }),
    tenantsAdmin: createTenantsAdminService({ db, audit }),
    apiKeys: createApiKeysService({ db, changes: database.changes, audit }),
    rbac: createRbacService({ db, audit }),
    users,
    team: createTeamService({ db, audit, mail, publicUrl: config.publicUrl, users }),
    labels: createLabelsService({ db }),
    aiProviders,
    agents: agents.service,
    chat,
    openAiCompat: createOpenAiCompatService({ db, agents: agents.service, chat }),
    conversations: createConversationsService({ db, agents: agents.service, chat }),
    knowledge: knowledge.service,
    crawler: crawler.service,
    retrieval: retrieval.service,
    audit,
    gdpr: gdpr.service,
    health: createHealthService({
      database,
      queue,
      dataDir: config.dataDir,
      isWorkerEnabled: hasMode(config, 'worker'),
      isWorkerRunning: worker.isRunning,
      redis,
    }),
  };
  // Sign-in and the combined authenticator (API key or access token) that every route goes through.
  const auth = createAuthModule({
    db,
    config,
    encryptionKey,
    redis,
    apiKeyAuthenticator: modules.apiKeys.authenticate,
    tenants: modules.tenants,
    audit,
    mail,
    logger,
  });

  return {
    version: VERSION,
    config,
    database,
    logger,
    redis,
    http,
    llm,
    mail,
    auth,
    storage,
    metrics,
    queue,
    scheduler,
    worker,
    modules,
    /** Stops the worker (waiting for in-flight jobs), then closes connections. The database is the caller's. */
    close: async () => {
      await worker.stop(config.shutdownTimeoutMs);
      redis?.disconnect();
      await http.close();
      await mail.close();
      storage.close();
    },
  };
};
