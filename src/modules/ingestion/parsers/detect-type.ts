import { extname } from 'node:path';

import type { DocumentType } from './types.js';
import { listZipEntries } from './zip-guard.js';

const BY_EXTENSION: Record<string, DocumentType> = {
  '.pdf': 'pdf',
  '.docx': 'docx',
  '.xlsx': 'xlsx',
  '.csv': 'csv',
  '.tsv': 'csv',
  '.json': 'json',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  '.txt': 'txt',
  '.text': 'txt',
};

const BY_MIME: Record<string, DocumentType> = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/csv': 'csv',
  'text/tab-separated-values': 'csv',
  'application/json': 'json',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'txt',
};

export const BINARY_TYPES: ReadonlySet<DocumentType> = new Set(['pdf', 'docx', 'xlsx']);

/** What the name or the declared MIME type claims (the extension wins: browsers often send octet-stream). */
export const claimedDocumentType = (filename: string, declaredMime?: string): DocumentType | undefined => {
  const byExtension = BY_EXTENSION[extname(filename).toLowerCase()];
  if (byExtension) return byExtension;
  const mime = declaredMime?.split(';')[0]?.trim().toLowerCase();
  return mime ? BY_MIME[mime] : undefined;
};

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0): boolean =>
  signature.every((value, index) => bytes[offset + index] === value);

const PDF_SIGNATURE = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];

/** PDF readers accept the header anywhere in the first 1024 bytes, so do we. */
const hasPdfHeader = (bytes: Uint8Array): boolean => {
  const limit = Math.min(bytes.length - PDF_SIGNATURE.length, 1024);
  for (let offset = 0; offset <= limit; offset++) if (startsWith(bytes, PDF_SIGNATURE, offset)) return true;
  return false;
};

/** The content's own type from magic bytes: a PDF, an OOXML zip, another binary, or text. */
export const sniffContent = (bytes: Uint8Array): DocumentType | 'zip' | 'binary' | 'text' => {
  if (hasPdfHeader(bytes)) return 'pdf';
  if (startsWith(bytes, ZIP_SIGNATURE)) {
    const names = listZipEntries(bytes)?.map((entry) => entry.name) ?? [];
    if (names.some((name) => name.startsWith('word/'))) return 'docx';
    if (names.some((name) => name.startsWith('xl/'))) return 'xlsx';
    return 'zip';
  }
  return looksLikeText(bytes) ? 'text' : 'binary';
};

/** Text has no NUL bytes (UTF-16 is recognised by its BOM and decoded later). */
const looksLikeText = (bytes: Uint8Array): boolean => {
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) return true;
  const sample = bytes.subarray(0, 8192);
  return !sample.includes(0);
};

/** Magic bytes first, then extension / MIME type; undefined when neither says anything we can parse. */
export const detectDocumentType = (bytes: Uint8Array, filename: string, declaredMime?: string): DocumentType | undefined => {
  const sniffed = sniffContent(bytes);
  const claimed = claimedDocumentType(filename, declaredMime);
  switch (sniffed) {
    case 'pdf':
    case 'docx':
    case 'xlsx':
      return sniffed;
    case 'zip':
    case 'binary':
      return undefined;
    case 'text':
      return claimed && !BINARY_TYPES.has(claimed) ? claimed : undefined;
  }
};
