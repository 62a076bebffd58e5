import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { ENV_VARIABLES } from '../../src/config/env.js';

describe('README configuration table', () => {
  it('documents every environment variable the config schema reads', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((match) => match[1]));
    expect(ENV_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
  });
});
