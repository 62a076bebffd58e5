import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { buildApp, type App } from '../../../src/app/build-app.js';
import { createContainer, type Container } from '../../../src/app/container.js';
import { loadConfig } from '../../../src/config/env.js';
import type { Database } from '../../../src/db/client.js';
import { openTestDatabase } from '../../helpers/databases.js';
import { newEmail, STRONG_PASSWORD } from './auth-helpers.js';

/** The app with a logger that keeps every line (at debug), to prove no password, token or code is ever logged. */
describe('no secret reaches the log', () => {
  const lines: string[] = [];
  let database: Database;
  let container: Container;
  let app: App;
  let dataDir: string;
  beforeAll(async () => {
    database = await openTestDatabase(inject('databaseTemplate'));
    dataDir = await mkdtemp(join(tmpdir(), 'switchboard-logs-'));
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'debug', RUN_MODES: 'api', RATE_LIMIT_AUTH: '10000' });
    container = await createContainer({ config, database, logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) }) });
    app = await buildApp(container);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await container.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('register, verify, login, refresh, reset and failures log no password, token or code', async () => {
    const email = newEmail();
    const secrets: string[] = [STRONG_PASSWORD, 'Wrong-password-9', 'Reset-Passw0rd-new'];
    const registered = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: STRONG_PASSWORD, firstName: 'L', lastName: 'G', tenantName: 'Logs' } });
    const { tokens } = registered.json().data;
    secrets.push(tokens.accessToken, tokens.refreshToken);

    const [verifyMail] = await database.db.query.mailMessages.findMany({ where: (mail, { eq }) => eq(mail.toAddress, email) });
    const link = /\/api\/v1\/auth\/email\/verify\/[^\s]+/.exec(verifyMail!.textBody)![0];
    secrets.push(link.split('/').at(-1)!);
    expect((await app.inject({ method: 'GET', url: link })).statusCode).toBe(200);

    await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'Wrong-password-9' } });
    const refreshed = await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: tokens.refreshToken } });
    secrets.push(refreshed.json().data.tokens.refreshToken);
    await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: tokens.refreshToken } });

    await app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email } });
    const resetMail = (await database.db.query.mailMessages.findMany({ where: (mail, { eq }) => eq(mail.toAddress, email) })).find((mail) => mail.subject === 'Reset your password')!;
    const code = /\n\n([A-Za-z0-9_-]{43})\n\n/.exec(resetMail.textBody)![1]!;
    secrets.push(code);
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/password/reset', payload: { token: code, password: 'Reset-Passw0rd-new' } })).statusCode).toBe(200);

    const log = lines.join('');
    expect(log).toContain('/api/v1/auth/email/verify/:userId/:token');
    for (const secret of secrets) expect(log.includes(secret), `log holds ${secret.slice(0, 12)}…`).toBe(false);
  });
});
