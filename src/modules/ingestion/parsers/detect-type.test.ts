import { readFileSync } from 'node:fs';

import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

import { detectDocumentType } from './index.js';

const FIXTURES = new URL('../../../../test/fixtures/docs/', import.meta.url);
const fixture = (path: string): Uint8Array => new Uint8Array(readFileSync(new URL(path, FIXTURES)));

describe('detectDocumentType', () => {
  it('trusts magic bytes for binary formats whatever the name says', () => {
    expect(detectDocumentType(fixture('pdf/us_constitution.pdf'), 'upload.bin')).toBe('pdf');
    expect(detectDocumentType(fixture('docx/handbook-1p.docx'), 'handbook.pdf')).toBe('docx');
    const xlsx = zipSync({ '[Content_Types].xml': strToU8('<Types/>'), 'xl/workbook.xml': strToU8('<workbook/>') });
    expect(detectDocumentType(xlsx, 'book')).toBe('xlsx');
    expect(detectDocumentType(zipSync({ 'a.txt': strToU8('a') }), 'a.zip')).toBeUndefined();
  });

  it('uses the extension, then the declared MIME type, for text formats', () => {
    const text = strToU8('a;b\n1;2');
    expect(detectDocumentType(text, 'data.CSV')).toBe('csv');
    expect(detectDocumentType(text, 'page.htm')).toBe('html');
    expect(detectDocumentType(text, 'notes.markdown')).toBe('markdown');
    expect(detectDocumentType(text, 'download', 'application/json')).toBe('json');
    expect(detectDocumentType(text, 'download')).toBeUndefined();
  });

  it('refuses text claims for binary content and binary claims for text', () => {
    expect(detectDocumentType(new Uint8Array([0x00, 0x01, 0x02]), 'data.txt')).toBeUndefined();
    expect(detectDocumentType(strToU8('not a pdf'), 'file.pdf')).toBeUndefined();
  });
});
