import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { ParseError, parseDocument } from './index.js';

const FIXTURES = new URL('../../../../test/fixtures/docs/pdf/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

const failure = async (promise: Promise<unknown>): Promise<ParseError> => {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ParseError);
  return error as ParseError;
};

describe('PDF parsing (unpdf / pdf.js)', () => {
  it('reads the US constitution: 19 pages, articles and sections as heading paths, no running header', async () => {
    const document = await parseDocument({ bytes: fixture('us_constitution.pdf'), filename: 'us_constitution.pdf' });
    expect(document.type).toBe('pdf');
    expect(document.metadata.pageCount).toBe(19);
    expect(document.text.length).toBeGreaterThan(45_000);
    expect(document.sections[0]?.headings).toEqual(['CONSTITUTION', 'of the United States']);
    expect(document.text).toContain('We the People of the United States, in Order to form a more perfect Union');
    // Lines of a paragraph are joined and words hyphenated across lines are rejoined ("Sen-" + "ate").
    expect(document.text).toContain('which shall consist of a Senate and House of Representatives.');
    // The running header printed on every page is page furniture, not content.
    expect(document.text).not.toContain('C O N S T I T U T I O N');
    const paths = document.sections.map((section) => section.headings.join(' > '));
    expect(paths).toContain('CONSTITUTION > Article. I. > SECTION. 8.');
    expect(paths).toContain('CONSTITUTION > Article. V.');
    expect(paths.some((path) => path.endsWith('Amendment XIV. > SECTION 1.'))).toBe(true);
    const section8 = document.sections.find((section) => section.headings.at(-1) === 'SECTION. 8.' && section.headings.includes('Article. I.'));
    expect(section8?.text).toContain('The Congress shall have Power To lay and collect Taxes');
    expect(section8?.pageNumber).toBe(4);
    expect(document.sections.every((section) => section.text.trim().length > 0)).toBe(true);
  });

  it('rejects an image-only PDF (no text layer) with no_text', async () => {
    const error = await failure(parseDocument({ bytes: fixture('loremipsum-flat-image-only.pdf'), filename: 'scan.pdf' }));
    expect(error.reason).toBe('no_text');
    expect(error.message).toMatch(/no text layer/);
  });

  it('rejects a password-protected PDF with encrypted', async () => {
    const error = await failure(parseDocument({ bytes: fixture('password-protected.pdf'), filename: 'secret.pdf' }));
    expect(error.reason).toBe('encrypted');
  });

  it('rejects a damaged PDF with corrupt', async () => {
    const bytes = new TextEncoder().encode('%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer garbage');
    const error = await failure(parseDocument({ bytes, filename: 'broken.pdf' }));
    expect(['corrupt', 'no_text']).toContain(error.reason);
  });

  it('rejects a truncated real PDF cleanly', async () => {
    const bytes = fixture('us_constitution.pdf').slice(0, 60_000);
    const result = await parseDocument({ bytes, filename: 'cut.pdf' }).then(
      (document) => document.type,
      (error: unknown) => (error instanceof ParseError ? error.reason : 'other error'),
    );
    expect(['pdf', 'corrupt', 'no_text']).toContain(result);
  });
});
