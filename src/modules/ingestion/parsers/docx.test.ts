import { readFileSync } from 'node:fs';

import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import { ParseError, parseDocument } from './index.js';

const FIXTURES = new URL('../../../../test/fixtures/docs/docx/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

const reasonOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'parsed',
    (error: unknown) => (error instanceof ParseError ? error.reason : `not a ParseError: ${String(error)}`),
  );

describe('DOCX parsing (mammoth -> turndown)', () => {
  it('reads a real policy handbook page with its numbered sections', async () => {
    const document = await parseDocument({ bytes: fixture('handbook-1p.docx'), filename: 'handbook.docx' });
    expect(document.type).toBe('docx');
    expect(document.text).toContain('CHAPTER 1 – INTRODUCTION');
    expect(document.text).toContain('A. PURPOSE');
    expect(document.text).toContain('B. ROLE OF THE UNITED STATES TRUSTEE');
    expect(document.text).toContain('28 U.S.C. § 586(b)');
    expect(document.sections).toHaveLength(1);
  });

  it('turns simple, nested and merged-cell tables into readable pipe tables', async () => {
    const { text } = await parseDocument({ bytes: fixture('docx-tables.docx'), filename: 'tables.docx' });
    expect(text).toContain('Simple uniform table\n\n| Header Col 1 | Header Col 2 |\n| --- | --- |\n| Lorem ipsum | A link example |');
    // The nested table is flattened into its cell instead of breaking the outer table.
    expect(text).toContain('| a | >b< | c |\n| --- | --- | --- |\n| d | e f; g&t h | i |\n| j | k | l |');
    // A rowspan repeats down its rows; a colspan fills only its first column.
    expect(text).toContain('| a | b |  |\n| --- | --- | --- |\n| a | c | d |\n| e |  | d |');
  });

  it('keeps a table between the paragraphs around it, and reads the author from the core properties', async () => {
    const document = await parseDocument({ bytes: fixture('mammoth-tables.docx'), filename: 'mammoth.docx' });
    expect(document.text).toBe('Above\n\n| Top left | Top right |\n| --- | --- |\n| Bottom left | Bottom right |\n\nBelow');
    expect(document.metadata.author).toBe('Michael Williamson');
  });

  it('rejects a zip that only pretends to be a Word document', async () => {
    const bytes = zipSync({ 'word/readme.txt': strToU8('not a document'), '[Content_Types].xml': strToU8('<Types/>') });
    expect(await reasonOf(parseDocument({ bytes, filename: 'fake.docx' }))).toBe('corrupt');
  });

  it('rejects a DOCX whose name or content disagrees', async () => {
    expect(await reasonOf(parseDocument({ bytes: fixture('handbook-1p.docx'), filename: 'handbook.pdf' }))).toBe('type_mismatch');
    expect(await reasonOf(parseDocument({ bytes: fixture('handbook-1p.docx'), filename: 'handbook.xlsx' }))).toBe('type_mismatch');
    expect(await reasonOf(parseDocument({ bytes: fixture('handbook-1p.docx'), filename: 'handbook.txt' }))).toBe('type_mismatch');
    expect(await reasonOf(parseDocument({ bytes: strToU8('plain text'), filename: 'letter.docx' }))).toBe('type_mismatch');
  });

  it('reports an encrypted Office file (an OLE container with EncryptionInfo) as encrypted', async () => {
    const ole = new Uint8Array(4096);
    ole.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    ole.set(new Uint8Array(Buffer.from('EncryptionInfo', 'utf16le')), 1024);
    expect(await reasonOf(parseDocument({ bytes: ole, filename: 'locked.docx' }))).toBe('encrypted');
    ole.fill(0, 1024);
    expect(await reasonOf(parseDocument({ bytes: ole, filename: 'old.docx' }))).toBe('unsupported_type');
  });
});
