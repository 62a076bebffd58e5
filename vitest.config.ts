import { configDefaults, defineConfig } from 'vitest/config';

import { MOCKING_FILES } from './test/helpers/mocking-files.js';

export default defineConfig({
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // Vitest defaults to cores - 1 = one file at a time on a 2-core machine; most files spend much of their time
    // waiting on child processes, sockets and timers, so two at once finishes the suite sooner.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Plain, line-per-test output that CI logs and `.ci/run` can count.
    reporters: ['default', 'json'],
    outputFile: { json: process.env.VITEST_JSON_OUTPUT ?? 'node_modules/.cache/vitest-results.json' },
    projects: [
      {
        extends: true,
        // Importing the app's modules (AI SDK, AWS SDK, Fastify, parsers) took ~2 s per file, 45 % of the suite's
        // time: a worker now imports them once for all the files it runs. Files share no state through modules
        // (each builds its own app, database and fakes), so only the mocking files stay isolated.
        test: { name: 'app', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...MOCKING_FILES], isolate: false },
      },
      { extends: true, test: { name: 'mocking', include: MOCKING_FILES } },
    ],
  },
});
