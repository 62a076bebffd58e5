/**
 * Test files that replace a module with vi.mock: they need a module graph of their own, while every other file
 * shares its worker's (vitest.config.ts). test/docs/vitest-isolation.test.ts fails for one missing here.
 */
export const MOCKING_FILES = ['test/integration/auth/brute-force.test.ts'];
