import { strToU8, zipSync } from 'fflate';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ParseError, detectDocumentType, parseDocument } from './index.js';

const FILENAMES = ['a.pdf', 'a.docx', 'a.xlsx', 'a.csv', 'a.json', 'a.html', 'a.md', 'a.txt', 'a.bin', 'noext'];
const MIMES = [undefined, 'application/pdf', 'text/plain', 'application/octet-stream', 'text/html; charset=utf-8'];

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
};

/** Random bytes, and random bytes behind each signature we sniff, so every parser sees garbage. */
const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc.uint8Array({ maxLength: 2048 }).map((tail) => concat(strToU8('%PDF-1.4\n'), tail)),
  fc.uint8Array({ maxLength: 2048 }).map((tail) => concat(new Uint8Array([0x50, 0x4b, 0x03, 0x04]), tail)),
  fc
    .record({ part: fc.constantFrom('word/document.xml', 'xl/workbook.xml', '[Content_Types].xml'), body: fc.uint8Array({ maxLength: 512 }) })
    .map(({ part, body }) => zipSync({ [part]: body, '[Content_Types].xml': strToU8('<Types/>') })),
  fc.string({ maxLength: 1024 }).map((text) => strToU8(text)),
);

const inputArb = fc.record({
  bytes: bytesArb,
  filename: fc.constantFrom(...FILENAMES),
  mimeType: fc.constantFrom(...MIMES),
});

describe('parsers on hostile input', () => {
  it('detectDocumentType never throws and only names known types', () => {
    fc.assert(
      fc.property(inputArb, ({ bytes, filename, mimeType }) => {
        const type = detectDocumentType(bytes, filename, mimeType);
        expect([undefined, 'pdf', 'docx', 'xlsx', 'csv', 'json', 'html', 'markdown', 'txt']).toContain(type);
      }),
      { numRuns: 500 },
    );
  });

  it('parseDocument either returns text or rejects with a ParseError, for any bytes', async () => {
    await fc.assert(
      fc.asyncProperty(inputArb, async (input) => {
        const outcome = await parseDocument(input).then(
          (document) => document,
          (error: unknown) => error,
        );
        if (outcome instanceof ParseError) {
          expect(['unsupported_type', 'type_mismatch', 'encrypted', 'no_text', 'corrupt', 'too_large']).toContain(outcome.reason);
          expect(outcome.message.length).toBeGreaterThan(10);
        } else {
          expect(outcome).not.toBeInstanceOf(Error);
          expect((outcome as { text: string }).text.trim()).not.toBe('');
        }
      }),
      { numRuns: 250 },
    );
  });
});
