import { describe, expect, it } from 'vitest';

import { loadConfig } from './env.js';

describe('loadConfig', () => {
  it('has working defaults for a zero-configuration start', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      dataDir: './data',
      database: { isEmbedded: true },
      runModes: ['api', 'worker'],
      publicUrl: 'http://localhost:3000',
      rateLimit: { max: { auth: 5, general: 100, upload: 10, ai: 20, analytics: 50, webhooks: 1000 } },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses lists, booleans and the server database', () => {
    const config = loadConfig({
      RUN_MODES: 'worker, worker',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      TRUST_PROXY: 'yes',
      DATABASE_URL: 'postgres://u@db:5432/sb',
      PORT: '',
    });
    expect(config.runModes).toEqual(['worker']);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.trustProxy).toBe(true);
    expect(config.database).toMatchObject({ isEmbedded: false, url: 'postgres://u@db:5432/sb' });
    expect(config.port).toBe(3000);
  });

  it.each([
    [{ PORT: '70000' }, /^Invalid configuration: PORT: /],
    [{ RUN_MODES: 'api,cron' }, /^Invalid configuration: RUN_MODES: /],
    [{ DATABASE_URL: 'mysql://x' }, /^Invalid configuration: DATABASE_URL: must be a postgres/],
    [{ ENCRYPTION_KEY: 'short' }, /^Invalid configuration: ENCRYPTION_KEY: must be 64 hex/],
    [{ LOG_LEVEL: 'loud' }, /^Invalid configuration: LOG_LEVEL: /],
  ])('names the variable in one line: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
