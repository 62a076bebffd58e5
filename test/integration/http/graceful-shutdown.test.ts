import { setTimeout as sleep } from 'node:timers/promises';

import { pino } from 'pino';
import { inject, describe, expect, it } from 'vitest';

import { buildApp } from '../../../src/app/build-app.js';
import { createContainer } from '../../../src/app/container.js';
import { loadConfig } from '../../../src/config/env.js';
import { openTestDatabase } from '../../helpers/databases.js';

describe('graceful shutdown', () => {
  it('finishes in-flight requests and refuses new ones while closing', async () => {
    const database = await openTestDatabase(inject('databaseTemplate'));
    const config = loadConfig({ LOG_LEVEL: 'silent', RUN_MODES: 'api', DATA_DIR: '/tmp' });
    const container = await createContainer({ config, database, logger: pino({ level: 'silent' }) });
    const app = await buildApp(container);
    // A slow public route stands in for any request still running when SIGTERM arrives.
    let markStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    app.get('/slow', { config: { public: true } }, async () => {
      markStarted();
      await sleep(300);
      return { finished: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };

    const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
    // Close only once the request is inside its handler: a fixed delay lost the race on a busy machine.
    await started;
    const closing = app.close();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    await closing;
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    await container.close();
    await database.close();
  });
});
