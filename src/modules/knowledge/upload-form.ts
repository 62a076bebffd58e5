import type { FastifyRequest } from 'fastify';

import { AppError } from '../../lib/errors.js';
import { UPLOAD_BATCH_MAX_FILES, ZBatchUploadFields, ZUploadFields } from './knowledge.schemas.js';
import type { IncomingFile } from './service/ingest-file.js';

const FORM_HELP = 'Send multipart/form-data with a "knowledgeBaseId" field and one "file" part';

const BATCH_FORM_HELP = `Send multipart/form-data with a "knowledgeBaseId" field and 1 to ${UPLOAD_BATCH_MAX_FILES} "file" parts`;

/** A multi-file upload buffers every file before storing any; this many times the per-file limit, in total. */
export const UPLOAD_BATCH_TOTAL_FACTOR = 4;

const formError = (error: unknown, limitBytes: number, help = FORM_HELP): unknown => {
  switch ((error as { code?: string }).code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', `The file is larger than the upload limit of ${limitBytes} bytes`, { limitBytes });
    case 'FST_FILES_LIMIT':
      return help === FORM_HELP
        ? new AppError('VALIDATION_ERROR', `Upload one file per request. ${FORM_HELP}`)
        : new AppError('VALIDATION_ERROR', `At most ${UPLOAD_BATCH_MAX_FILES} files per request. ${help}`);
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
    case 'FST_PROTO_VIOLATION':
      return new AppError('VALIDATION_ERROR', `Unexpected form fields. ${help}`);
    default:
      return error;
  }
};

/**
 * Reads the upload form. Fields may come before or after the file; the file is buffered (bounded by the upload limit)
 * because its type is checked from its first bytes and its hash from all of them before anything is stored.
 */
export const readUploadForm = async (req: FastifyRequest, limitBytes: number) => {
  if (!req.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `${FORM_HELP}.`);
  const fields: Record<string, string> = {};
  let file: IncomingFile | undefined;
  try {
    for await (const part of req.parts({ limits: { fileSize: limitBytes, files: 1, fields: 10, fieldSize: 4096 } })) {
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      const bytes = await part.toBuffer();
      if (part.fieldname !== 'file') throw new AppError('VALIDATION_ERROR', `Unexpected file part "${part.fieldname}". ${FORM_HELP}`);
      file = { bytes, filename: part.filename || 'upload', declaredMime: part.mimetype };
    }
  } catch (error) {
    throw formError(error, limitBytes);
  }
  if (!file) throw new AppError('VALIDATION_ERROR', `The "file" part is missing. ${FORM_HELP}.`);
  const parsed = ZUploadFields.safeParse(fields);
  if (!parsed.success) {
    throw new AppError('VALIDATION_ERROR', 'Request validation failed', {
      fields: parsed.error.issues.map((issue) => ({ location: 'body', path: issue.path.join('.'), message: issue.message })),
    });
  }
  return { ...parsed.data, file };
};

/**
 * Reads a multi-file upload form (`POST /documents/batch`): the `knowledgeBaseId` field and up to
 * UPLOAD_BATCH_MAX_FILES `file` parts, each within the upload limit and all together within
 * UPLOAD_BATCH_TOTAL_FACTOR times it (every file is buffered before any is stored).
 */
export const readBatchUploadForm = async (req: FastifyRequest, limitBytes: number) => {
  if (!req.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE', `${BATCH_FORM_HELP}.`);
  const totalLimit = limitBytes * UPLOAD_BATCH_TOTAL_FACTOR;
  const fields: Record<string, string> = {};
  const files: IncomingFile[] = [];
  let total = 0;
  try {
    for await (const part of req.parts({ limits: { fileSize: limitBytes, files: UPLOAD_BATCH_MAX_FILES, fields: 10, fieldSize: 4096 } })) {
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      const bytes = await part.toBuffer();
      if (part.fieldname !== 'file') throw new AppError('VALIDATION_ERROR', `Unexpected file part "${part.fieldname}". ${BATCH_FORM_HELP}`);
      total += bytes.length;
      if (total > totalLimit) {
        throw new AppError('PAYLOAD_TOO_LARGE', `The files are larger than ${totalLimit} bytes together`, { limitBytes: totalLimit });
      }
      files.push({ bytes, filename: part.filename || 'upload', declaredMime: part.mimetype });
    }
  } catch (error) {
    throw formError(error, limitBytes, BATCH_FORM_HELP);
  }
  if (files.length === 0) throw new AppError('VALIDATION_ERROR', `No "file" part. ${BATCH_FORM_HELP}.`);
  const parsed = ZBatchUploadFields.safeParse(fields);
  if (!parsed.success) {
    throw new AppError('VALIDATION_ERROR', 'Request validation failed', {
      fields: parsed.error.issues.map((issue) => ({ location: 'body', path: issue.path.join('.'), message: issue.message })),
    });
  }
  return { ...parsed.data, files };
};
