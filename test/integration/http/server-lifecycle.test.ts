import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { openDatabase } from '../../../src/db/client.js';
import { migrate } from '../../../src/db/migrate.js';
import { createApiKeysService } from '../../../src/modules/api-keys/api-keys.service.js';
import { createTenantsService } from '../../../src/modules/tenants/tenants.service.js';
import { adminQuery, databaseUrl } from '../../helpers/databases.js';
import { freePort, startServer, waitForReady } from '../../helpers/processes.js';

describe('the server process', () => {
  it('starts, guards its data dir, shuts down cleanly on SIGTERM and keeps data across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'switchboard-server-'));
    const adminUrl = process.env.TEST_DATABASE_URL;
    const dbName = `sbt_server_${process.pid}`;
    if (adminUrl) await adminQuery(adminUrl, `CREATE DATABASE ${dbName}`);
    const env = { DATA_DIR: dataDir, ...(adminUrl ? { DATABASE_URL: databaseUrl(adminUrl, dbName) } : {}) };
    try {
      // Seed a credential while no server holds the data dir; the server must run the same migrations over it.
      const database = await openDatabase({ url: env.DATABASE_URL, dataDir, poolMax: 1 });
      await migrate(database);
      const tenant = await createTenantsService({ db: database.db }).create({ name: 'Lifecycle' });
      const key = await createApiKeysService({ db: database.db }).create({ tenantId: tenant.id }, { name: 'k', scopes: ['*'] });
      await database.close();
      const headers = { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' };

      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const first = startServer({ ...env, PORT: String(port) });
      await waitForReady(baseUrl, first);
      const created = await fetch(`${baseUrl}/api/v1/labels`, { method: 'POST', headers, body: JSON.stringify({ name: 'persisted' }) });
      expect(created.status).toBe(201);
      const ready = await (await fetch(`${baseUrl}/health/ready`)).json();
      expect(ready.data.db).toBe(adminUrl ? 'postgres' : 'embedded');
      expect(first.output()).toContain(`Switchboard listening on http://localhost:${port}`);

      if (!adminUrl) {
        const second = startServer({ ...env, PORT: String(await freePort()) });
        expect(await second.exited).toBe(1);
        expect(second.output()).toMatch(new RegExp(`switchboard: data directory in use by pid ${first.child.pid}`));
      }

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain('shutdown complete');

      // The generated encryption key and the applied migrations survive; nothing is re-applied.
      const again = startServer({ ...env, PORT: String(port) });
      await waitForReady(baseUrl, again);
      expect(again.output()).not.toContain('applied migrations');
      expect(again.output()).not.toContain('generated ENCRYPTION_KEY');
      const listed = await (await fetch(`${baseUrl}/api/v1/labels`, { headers })).json();
      expect(listed.data.items.map((label: { name: string }) => label.name)).toEqual(['persisted']);
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    } finally {
      if (adminUrl) await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000); // two cold starts of a child process (tsx + PGlite) on a busy 2-core machine

  it('exits at once with one line naming an invalid variable', async () => {
    const server = startServer({ PORT: 'abc', DATA_DIR: join(tmpdir(), 'never-created') });
    expect(await server.exited).toBe(1);
    expect(server.output().trim()).toMatch(/^switchboard: Invalid configuration: PORT: .+$/);
  });
});
