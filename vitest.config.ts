import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
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
  },
});
