import { claimedDocumentType, detectDocumentType, sniffContent } from '../../ingestion/parsers/detect-type.js';
import type { DocumentType } from '../../ingestion/parsers/types.js';
import { AppError } from '../../../lib/errors.js';

/** The MIME type we store and serve: declared types are often `application/octet-stream` or wrong. */
export const MIME_BY_TYPE: Record<DocumentType, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
  json: 'application/json',
  html: 'text/html',
  markdown: 'text/markdown',
  txt: 'text/plain',
};

const SUPPORTED = 'PDF, DOCX, XLSX, CSV, JSON, HTML, Markdown or plain text';

const describeContent = (bytes: Uint8Array): string => {
  const sniffed = sniffContent(bytes);
  switch (sniffed) {
    case 'zip':
      return 'a ZIP archive that is neither a Word nor an Excel file';
    case 'binary':
      return 'binary data';
    case 'text':
      return 'text';
    default:
      return `a ${sniffed.toUpperCase()} file`;
  }
};

/**
 * Decides a file's type from its bytes and its name/declared type together: an unknown kind of file is 415, a file
 * whose content contradicts its name (or cannot be what it claims) is 422.
 */
export const classifyFile = (file: { bytes: Uint8Array; filename: string; declaredMime?: string }): { type: DocumentType; mimeType: string } => {
  if (file.bytes.length === 0) throw new AppError('UNPROCESSABLE_ENTITY', `"${file.filename}" is empty`);
  const claimed = claimedDocumentType(file.filename, file.declaredMime);
  const detected = detectDocumentType(file.bytes, file.filename, file.declaredMime);
  if (!claimed && !detected) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `"${file.filename}" is not a supported document type (${file.declaredMime ?? 'no declared type'}); upload ${SUPPORTED}`,
    );
  }
  if (!detected) {
    throw new AppError(
      'UNPROCESSABLE_ENTITY',
      `"${file.filename}" claims to be ${claimed!.toUpperCase()} but its content is ${describeContent(file.bytes)}`,
      { claimedType: claimed },
    );
  }
  if (claimed && claimed !== detected) {
    throw new AppError(
      'UNPROCESSABLE_ENTITY',
      `"${file.filename}" claims to be ${claimed.toUpperCase()} but its content is a ${detected.toUpperCase()} file`,
      { claimedType: claimed, detectedType: detected },
    );
  }
  return { type: detected, mimeType: MIME_BY_TYPE[detected] };
};

/** A display name from an uploaded file name or URL segment: no path, no control characters, bounded length. */
export const cleanName = (raw: string | undefined, fallback: string): string => {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return cleaned || fallback;
};
