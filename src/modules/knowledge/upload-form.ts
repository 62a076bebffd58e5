import type { FastifyRequest } from 'fastify';

import { AppError } from '../../lib/errors.js';
import { ZUploadFields } from './knowledge.schemas.js';
import type { IncomingFile } from './service/ingest-file.js';

const FORM_HELP = 'Send multipart/form-data with a "knowledgeBaseId" field and one "file" part';

const formError = (error: unknown, limitBytes: number): unknown => {
  switch ((error as { code?: string }).code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', `The file is larger than the upload limit of ${limitBytes} bytes`, { limitBytes });
    case 'FST_FILES_LIMIT':
      return new AppError('VALIDATION_ERROR', `Upload one file per request. ${FORM_HELP}`);
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
    case 'FST_PROTO_VIOLATION':
      return new AppError('VALIDATION_ERROR', `Unexpected form fields. ${FORM_HELP}`);
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
