import { pino } from 'pino';

import { buildApp, type App } from './app/build-app.js';
import { createContainer } from './app/container.js';
import { resolveEncryptionKey } from './config/encryption-key.js';
import { ConfigError, hasMode, loadConfig } from './config/env.js';
import { openDatabase } from './db/client.js';
import { DataDirInUseError } from './db/data-dir-lock.js';
import { migrate } from './db/migrate.js';
import { ensureDemoTenant } from './modules/auth/demo-tenant.js';

/** Failures a user can fix get one plain line, not a stack trace. */
const exitWith = (message: string): never => {
  process.stderr.write(`switchboard: ${message}\n`);
  process.exit(1);
};

const start = async () => {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) exitWith(error.message);
    throw error;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'switchboard' } });

  let database;
  try {
    database = await openDatabase({ url: config.database.url, dataDir: config.dataDir, poolMax: config.database.poolMax });
  } catch (error) {
    if (error instanceof DataDirInUseError) exitWith(`${error.message} (${config.dataDir}); stop it first or set DATA_DIR`);
    throw error;
  }
  const keySource = resolveEncryptionKey(config).source;
  if (keySource === 'generated') logger.warn({ path: `${config.dataDir}/encryption.key` }, 'generated ENCRYPTION_KEY; back it up');

  const applied = await migrate(database);
  if (applied.length) logger.info({ migrations: applied }, 'applied migrations');

  const container = await createContainer({ config, database, logger });
  // An embedded install starts with nobody able to sign in: make a demo tenant and owner (only when no user exists).
  if (database.kind === 'embedded') {
    await ensureDemoTenant({ db: database.db, tenants: container.modules.tenants, auth: container.auth.service, logger });
  }
  let app: App | undefined;
  if (hasMode(config, 'api')) {
    app = await buildApp(container);
    await app.listen({ port: config.port, host: config.host });
    logger.info({ url: config.publicUrl, db: database.kind, modes: config.runModes }, `Switchboard listening on ${config.publicUrl}`);
  }
  if (hasMode(config, 'worker')) await container.worker.start();

  let isShuttingDown = false;
  const shutdown = async (signal: string) => {
    if (isShuttingDown) return;
    isShuttingDown = true;
    logger.info({ signal }, 'shutting down');
    // A hung dependency must not keep the process alive forever.
    setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs * 2).unref();
    await app?.close(); // stops accepting, finishes in-flight requests
    await container.close(); // finishes or releases in-flight jobs
    await database.close();
    logger.info('shutdown complete');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
};

start().catch((error: unknown) => {
  process.stderr.write(`switchboard: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
