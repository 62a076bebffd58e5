import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { parseDocument } from './index.js';
import { stripLiquid } from './markdown.js';

const FIXTURES = new URL('../../../../test/fixtures/docs/md/', import.meta.url);
const parseFixture = (name: string) => parseDocument({ bytes: new Uint8Array(readFileSync(new URL(name, FIXTURES))), filename: name });

describe('Markdown parsing', () => {
  it('moves YAML front matter into metadata and removes Liquid template tags (GitHub Docs article)', async () => {
    const document = await parseFixture('github-docs-creating-a-strong-password.md');
    expect(document.metadata.title).toBe('Creating a strong password');
    expect(document.text).not.toMatch(/\{%|%\}|\{\{|redirect_from|shortTitle/);
    expect(document.text.startsWith('You must choose or generate a password for your account on that is at least:')).toBe(true);
    expect(document.text).toContain('- Seven / Eight characters long, if it includes a number and a lowercase letter, or');
    expect(document.sections.map((section) => section.headings)).toEqual([[], ['Further reading']]);
  });

  it('splits a README into heading sections and leaves code fences intact', async () => {
    const document = await parseFixture('readability-README.md');
    expect(document.metadata.title).toBe('Readability.js');
    const paths = document.sections.map((section) => section.headings.join(' > '));
    expect(paths).toContain('Readability.js > Installation');
    expect(paths).toContain('Readability.js > API Reference > new Readability(document, options)');
    const nodeUsage = document.sections.find((section) => section.headings.at(-1) === 'Node.js usage');
    expect(nodeUsage?.text).toMatch(/```/);
  });

  it('keeps a pipe table readable', async () => {
    const document = await parseFixture('simple-table.md');
    expect(document.text).toContain('Juicy Apples | 1.99 | 739');
  });

  it('keeps the alternatives of nested conditionals and survives unclosed tags', () => {
    expect(stripLiquid('A {% if x %}one{% elsif y %}{% if z %}two{% endif %}{% else %}three{% endif %} B')).toBe('A one / two / three B');
    expect(stripLiquid('{% comment %}secret{% endcomment %}Visible {% raw')).toBe('Visible {% raw');
    expect(stripLiquid(`${'{% if a %}'.repeat(2000)}text`)).toBe('text');
  });
});
