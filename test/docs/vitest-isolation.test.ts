import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

const testFiles = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });

describe('vitest module isolation', () => {
  // Files share their worker's modules (vitest.config.ts): a vi.mock outside MOCKING would mock nothing, or leak.
  it('lists every file that replaces a module in MOCKING', () => {
    const config = readFileSync(join(root, 'vitest.config.ts'), 'utf8');
    const mocking = new Set([...(/const MOCKING = \[([^\]]*)\]/.exec(config)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((match) => match[1]));
    const mockers = [...testFiles('src'), ...testFiles('test')]
      .filter((path) => /\bvi\.(mock|doMock)\(/.test(readFileSync(join(root, path), 'utf8')))
      .map((path) => relative('.', path));
    expect(mockers.length).toBeGreaterThan(0);
    expect(mockers.filter((path) => !mocking.has(path))).toEqual([]);
  });
});
