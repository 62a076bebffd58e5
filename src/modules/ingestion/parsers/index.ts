import { parseCsv } from './csv.js';
import { decodeText } from './decode-text.js';
import { BINARY_TYPES, claimedDocumentType, detectDocumentType, sniffContent } from './detect-type.js';
import { parseDocx } from './docx.js';
import { extractHtmlContent } from './html.js';
import { parseJson } from './json.js';
import { assertHasText, assertTextWithin, resolveLimits } from './limits.js';
import { parseMarkdown } from './markdown.js';
import { ParseError } from './parse-error.js';
import { parsePdf } from './pdf.js';
import { parseTxt } from './txt.js';
import type { DocumentType, ParsedDocument, ParseInput, ParseLimits } from './types.js';
import { parseXlsx } from './xlsx.js';
import { assertZipWithinLimits, listZipEntries } from './zip-guard.js';

export type { DocumentType, ParsedDocument, ParsedSection, ParseInput, ParseLimits } from './types.js';
export type { ParseFailureReason } from './parse-error.js';
export type { HtmlContent } from './html.js';
export { ParseError, detectDocumentType, extractHtmlContent };
export { DEFAULT_LIMITS } from './limits.js';

/** Markup can be several times longer than its text; past this multiple of maxChars we refuse before parsing. */
const MARKUP_TO_TEXT_RATIO = 4;

/** Legacy / encrypted Office files are OLE compound files; encrypted OOXML keeps an "EncryptionInfo" stream in one. */
const OLE_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const ENCRYPTION_INFO_UTF16 = Buffer.from('EncryptionInfo', 'utf16le');
const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];

const rejectBinaryMismatch = (bytes: Uint8Array, filename: string, claimed: DocumentType): never => {
  if (ZIP_SIGNATURE.every((value, index) => bytes[index] === value) && !listZipEntries(bytes)) {
    throw new ParseError('corrupt', `${filename} is a damaged or truncated zip archive.`);
  }
  const isOle = OLE_SIGNATURE.every((value, index) => bytes[index] === value);
  if (isOle && (claimed === 'docx' || claimed === 'xlsx')) {
    if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(ENCRYPTION_INFO_UTF16)) {
      throw new ParseError('encrypted', `${filename} is a password-protected Office file; upload a copy without a password.`);
    }
    throw new ParseError('unsupported_type', `${filename} is a legacy binary Office file (.doc/.xls); save it as .${claimed}.`);
  }
  throw new ParseError('type_mismatch', `${filename} does not contain a ${claimed.toUpperCase()} document.`);
};

/** Which parser to run: the content's own signature must agree with what the name / MIME type claims. */
const resolveType = (input: ParseInput): DocumentType => {
  const claimed = claimedDocumentType(input.filename, input.mimeType);
  if (!claimed) {
    const detected = detectDocumentType(input.bytes, input.filename, input.mimeType);
    if (detected) return detected;
    throw new ParseError('unsupported_type', `${input.filename} is not a supported document type (PDF, DOCX, XLSX, CSV, JSON, HTML, Markdown, TXT).`);
  }
  const sniffed = sniffContent(input.bytes);
  if (BINARY_TYPES.has(claimed)) {
    if (sniffed !== claimed) rejectBinaryMismatch(input.bytes, input.filename, claimed);
    return claimed;
  }
  if (sniffed !== 'text') {
    const actual = sniffed === 'binary' || sniffed === 'zip' ? 'binary data' : `a ${sniffed.toUpperCase()} file`;
    throw new ParseError('type_mismatch', `${input.filename} should be ${claimed} text but contains ${actual}.`);
  }
  return claimed;
};

const parseText = (type: Exclude<DocumentType, 'pdf' | 'docx' | 'xlsx'>, source: string): ParsedDocument => {
  switch (type) {
    case 'csv':
      return parseCsv(source);
    case 'json':
      return parseJson(source);
    case 'html': {
      const { links: _links, ...document } = extractHtmlContent(source);
      return document;
    }
    case 'markdown':
      return parseMarkdown(source);
    case 'txt':
      return parseTxt(source);
  }
};

const parseByType = async (type: DocumentType, bytes: Uint8Array, limits: Required<ParseLimits>): Promise<ParsedDocument> => {
  switch (type) {
    case 'pdf':
      return parsePdf(bytes);
    case 'docx':
      assertZipWithinLimits(bytes, limits.maxUncompressedBytes);
      return parseDocx(bytes);
    case 'xlsx':
      assertZipWithinLimits(bytes, limits.maxUncompressedBytes);
      return parseXlsx(bytes);
    case 'csv':
    case 'json':
    case 'html':
    case 'markdown':
    case 'txt': {
      const source = decodeText(bytes);
      const markupRatio = type === 'html' ? MARKUP_TO_TEXT_RATIO : 1;
      assertTextWithin(Math.ceil(source.length / markupRatio), limits.maxChars);
      return parseText(type, source);
    }
  }
};

/**
 * Parses one uploaded or fetched document into readable text and heading sections. Every failure is a ParseError
 * with a reason and a message for the person who uploaded the file; nothing else escapes.
 */
export const parseDocument = async (input: ParseInput, limits?: ParseLimits): Promise<ParsedDocument> => {
  const resolved = resolveLimits(limits);
  try {
    const type = resolveType(input);
    const document = await parseByType(type, input.bytes, resolved);
    assertTextWithin(document.text.length, resolved.maxChars);
    return assertHasText(document, `${type.toUpperCase()} file ${input.filename}`);
  } catch (error) {
    if (error instanceof ParseError) throw error;
    // A library failing on malformed input is still a bad document, not a server error.
    throw new ParseError('corrupt', `${input.filename} could not be parsed: ${(error as Error)?.message ?? String(error)}`);
  }
};
