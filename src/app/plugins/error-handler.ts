import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';

import { AppError, ERROR_STATUS, type ErrorCode } from '../../lib/errors.js';

const renderError = (req: FastifyRequest, reply: FastifyReply, error: AppError) =>
  reply.status(error.statusCode).send({
    success: false,
    error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) },
    requestId: req.id,
    timestamp: new Date().toISOString(),
  });

/** Framework errors that carry a 4xx status are the client's fault; they keep their status under our codes. */
const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_ERROR',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_ERROR',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_ERROR',
};

const STATUS_CODES: Partial<Record<number, ErrorCode>> = Object.fromEntries(
  Object.entries(ERROR_STATUS).map(([code, status]) => [status, code as ErrorCode]).reverse(),
);

export const toAppError = (error: FastifyError | Error): AppError | undefined => {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    return new AppError('VALIDATION_ERROR', 'Request validation failed', {
      fields: error.validation.map((issue) => ({
        location: error.validationContext,
        path: issue.instancePath.replace(/^\//, '').replaceAll('/', '.'),
        message: issue.message,
      })),
    });
  }
  const fastifyError = error as FastifyError;
  const mapped = fastifyError.code ? FRAMEWORK_CODES[fastifyError.code] : undefined;
  if (mapped) return new AppError(mapped, fastifyError.message);
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new AppError('VALIDATION_ERROR', `Malformed JSON body: ${error.message}`);
  }
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    return new AppError(STATUS_CODES[status] ?? 'VALIDATION_ERROR', fastifyError.message);
  }
  return undefined;
};

const ROUTER_INPUT_ERRORS: Record<string, string> = {
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment is too long',
  FST_ERR_BAD_URL: 'The URL has a path segment that does not decode',
};

/** The router's own errors, raised before a route is found: Fastify's `frameworkErrors` option. */
export const renderFrameworkError = (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
  const message = ROUTER_INPUT_ERRORS[error.code];
  if (message) return renderError(req, reply, new AppError('VALIDATION_ERROR', message));
  req.log.error({ err: error }, 'router error');
  return renderError(req, reply, new AppError('INTERNAL_ERROR', `Internal server error (request ${req.id})`));
};

export const registerErrorHandler = (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, req, reply) => {
    const appError = toAppError(error);
    if (appError) {
      if (appError.statusCode >= 500) req.log.error({ err: error }, appError.message);
      return renderError(req, reply, appError);
    }
    // Unknown failures keep their detail in the log only; the client gets the request id to quote.
    req.log.error({ err: error, serialization: isResponseSerializationError(error) }, 'unhandled error');
    return renderError(req, reply, new AppError('INTERNAL_ERROR', `Internal server error (request ${req.id})`));
  });

  app.setNotFoundHandler((req, reply) =>
    renderError(req, reply, new AppError('RESOURCE_NOT_FOUND', `Route ${req.method} ${req.url.split('?')[0]} not found`)),
  );
};
