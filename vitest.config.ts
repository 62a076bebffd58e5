import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Plain, line-per-test output that CI logs and `.ci/run` can count.
    reporters: ['default', 'json'],
    outputFile: { json: process.env.VITEST_JSON_OUTPUT ?? 'node_modules/.cache/vitest-results.json' },
  },
});
