import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { MOCKING_FILES } from '../helpers/mocking-files.js';

const root = new URL('../../', import.meta.url).pathname;

const testFiles = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });

describe('vitest module isolation', () => {
  // Files share their worker's modules (vitest.config.ts): an unlisted vi.mock would mock nothing, or leak.
  it('lists every file that replaces a module in MOCKING_FILES', () => {
    const mockers = [...testFiles('src'), ...testFiles('test')].filter((path) => /\bvi\.(mock|doMock)\(/.test(readFileSync(join(root, path), 'utf8')));
    expect(mockers.length).toBeGreaterThan(0);
    expect(mockers.filter((path) => !MOCKING_FILES.includes(path))).toEqual([]);
  });
});
