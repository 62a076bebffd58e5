import { OutboundBlockedError, OutboundRequestError } from '../../../adapters/http/port.js';
import { AppError } from '../../../lib/errors.js';
import { cleanName } from './classify-file.js';
import type { KnowledgeDeps } from './deps.js';
import type { IncomingFile } from './ingest-file.js';

/** A readable name from a URL: its last path segment, or the host for a site root. */
export const nameFromUrl = (url: string): string => {
  const parsed = new URL(url);
  const segment = parsed.pathname.split('/').filter(Boolean).pop();
  let decoded = segment;
  try {
    decoded = segment ? decodeURIComponent(segment) : undefined;
  } catch {
    // A malformed escape: keep the raw segment.
  }
  return cleanName(decoded, parsed.hostname);
};

/** Failures as the API reports them: a refused address is the caller's input (422), the remote failing is 502. */
export const toFetchError = (url: string, error: unknown): AppError => {
  if (error instanceof OutboundBlockedError) return new AppError('UNPROCESSABLE_ENTITY', `${url} may not be fetched: ${error.message}`);
  if (error instanceof OutboundRequestError) {
    if (error.reason === 'too_large') return new AppError('PAYLOAD_TOO_LARGE', `${url}: ${error.message}`);
    return new AppError('INTEGRATION_ERROR', `Fetching ${url} failed (${error.reason}): ${error.message}`);
  }
  if (error instanceof AppError) return error;
  return new AppError('INTEGRATION_ERROR', `Fetching ${url} failed: ${(error as Error).message}`);
};

/** Downloads a document through the SSRF-guarded client, capped at the upload limit. */
export const fetchUrlFile = async (deps: Pick<KnowledgeDeps, 'http' | 'config'>, url: string): Promise<IncomingFile & { finalUrl: string }> => {
  let response;
  try {
    response = await deps.http.fetch(url, { maxBytes: deps.config.uploadLimitBytes });
  } catch (error) {
    throw toFetchError(url, error);
  }
  if (response.status < 200 || response.status > 299) {
    throw new AppError('INTEGRATION_ERROR', `Fetching ${url} failed: the server answered HTTP ${response.status}`, { status: response.status });
  }
  return {
    bytes: response.body,
    filename: nameFromUrl(response.url),
    declaredMime: response.headers.get('content-type') ?? undefined,
    finalUrl: response.url,
  };
};
