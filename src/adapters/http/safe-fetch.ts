import { fetch as undiciFetch, type Response as UndiciResponse } from 'undici';

import { createGuardedAgent, type GuardedTransport } from './guarded-agent.js';
import { createOutboundPolicy } from './outbound-policy.js';
import {
  OutboundBlockedError,
  OutboundRequestError,
  type OutboundConfig,
  type OutboundHttp,
  type SafeFetchOptions,
  type SafeResponse,
} from './port.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([204, 205, 304]);
/** Headers that must not follow a redirect to another origin (the fetch spec drops the same ones). */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

type Hop = { method: string; headers: Headers; body?: Uint8Array | string };
type Limits = { timeoutMs: number; maxBytes: number; maxRedirects: number; signal?: AbortSignal };

const tooLarge = (maxBytes: number) => new OutboundRequestError('too_large', `response body exceeds ${maxBytes} bytes`);

/** Reads the whole body, stopping (and closing the connection) as soon as the cap is passed. */
const readCapped = async (response: UndiciResponse, maxBytes: number): Promise<Buffer> => {
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(maxBytes);
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(maxBytes); // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
};

/** The same cap for a body the caller streams: the stream errors once the cap is passed. */
const capStream = (source: ReadableStream<Uint8Array>, maxBytes: number): ReadableStream<Uint8Array> => {
  let total = 0;
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        total += chunk.byteLength;
        if (total > maxBytes) controller.error(tooLarge(maxBytes));
        else controller.enqueue(chunk);
      },
    }),
  );
};

/** Turns undici's generic "fetch failed" and abort errors into ours, keeping a caller's own abort as it is. */
const translateError = (error: unknown, limits: Limits, timeout: AbortSignal): unknown => {
  if (error instanceof OutboundBlockedError || error instanceof OutboundRequestError) return error;
  if (limits.signal?.aborted) return limits.signal.reason ?? error;
  if (timeout.aborted) return new OutboundRequestError('timeout', `no complete response within ${limits.timeoutMs} ms`);
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof OutboundBlockedError) return cause;
  if (error instanceof TypeError) {
    const detail = cause instanceof Error ? `${(cause as NodeJS.ErrnoException).code ?? ''} ${cause.message}`.trim() : error.message;
    return new OutboundRequestError('network', `request failed: ${detail}`, { cause: error });
  }
  return error;
};

/** Everything a request can carry, as bytes (or its string), so that a 307/308 redirect can send it again. */
const bodyBytes = async (init: RequestInit): Promise<{ body?: Uint8Array | string; contentType?: string }> => {
  if (init.body === undefined || init.body === null) return {};
  // What SDKs send (JSON text) needs no copy through a Request; the content type is the one fetch would give it.
  if (typeof init.body === 'string') return { body: init.body, contentType: 'text/plain;charset=UTF-8' };
  const request = new Request('http://body.invalid/', { method: 'POST', body: init.body, duplex: 'half' } as RequestInit);
  return { body: new Uint8Array(await request.arrayBuffer()), contentType: request.headers.get('content-type') ?? undefined };
};

/**
 * Creates the outbound HTTP client. Every connection goes through a guarded undici Agent (see guarded-agent.ts);
 * redirects are followed by hand so each hop is checked before it is requested, and counted. `transport` is for tests
 * (a fake DNS, a connector that records dials); the container never passes it.
 */
export const createSafeFetch = (config: OutboundConfig, transport: GuardedTransport = {}): OutboundHttp => {
  const policy = createOutboundPolicy(config);
  const agent = createGuardedAgent(policy, { connectTimeoutMs: config.timeoutMs, ...transport });

  const follow = async (rawUrl: string, hop: Hop, limits: Limits, signal: AbortSignal): Promise<UndiciResponse> => {
    let url = policy.checkUrl(rawUrl);
    if (!hop.headers.has('user-agent')) hop.headers.set('user-agent', config.userAgent);
    for (let redirects = 0; ; redirects += 1) {
      const response = await undiciFetch(url, {
        method: hop.method,
        headers: hop.headers as unknown as Record<string, string>,
        body: hop.body,
        redirect: 'manual',
        dispatcher: agent,
        signal,
      });
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || !location) return response;
      await response.body?.cancel();
      if (redirects >= limits.maxRedirects) {
        throw new OutboundRequestError('too_many_redirects', `more than ${limits.maxRedirects} redirects`);
      }
      const next = policy.checkUrl(new URL(location, url).href);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && hop.method === 'POST')) {
        hop = { method: hop.method === 'HEAD' ? 'HEAD' : 'GET', headers: hop.headers };
        hop.headers.delete('content-type');
        hop.headers.delete('content-length');
      }
      if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) hop.headers.delete(name);
      url = next;
    }
  };

  const limitsOf = (options: { timeoutMs?: number; maxBytes?: number; maxRedirects?: number; signal?: AbortSignal | null }): Limits => ({
    timeoutMs: options.timeoutMs ?? config.timeoutMs,
    maxBytes: options.maxBytes ?? config.maxBytes,
    maxRedirects: options.maxRedirects ?? config.maxRedirects,
    signal: options.signal ?? undefined,
  });

  const run = async <T>(limits: Limits, work: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const timeout = AbortSignal.timeout(limits.timeoutMs);
    const signal = limits.signal ? AbortSignal.any([timeout, limits.signal]) : timeout;
    try {
      return await work(signal);
    } catch (error) {
      throw translateError(error, limits, timeout);
    }
  };

  const safeFetch = async (url: string, options: SafeFetchOptions = {}): Promise<SafeResponse> => {
    const limits = limitsOf(options);
    return run(limits, async (signal) => {
      const hop = { method: (options.method ?? 'GET').toUpperCase(), headers: new Headers(options.headers), body: options.body };
      const response = await follow(url, hop, limits, signal);
      const body = await readCapped(response, limits.maxBytes);
      return { status: response.status, url: response.url, headers: new Headers([...response.headers]), body };
    });
  };

  const fetchLike = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    if (input instanceof Request) {
      init = { method: input.method, headers: input.headers, body: input.body, signal: input.signal, ...init };
    }
    const url = input instanceof Request ? input.url : String(input);
    const limits = limitsOf({ signal: init.signal });
    return run(limits, async (signal) => {
      const headers = new Headers(init.headers);
      const { body, contentType } = await bodyBytes(init);
      if (contentType && !headers.has('content-type')) headers.set('content-type', contentType);
      const response = await follow(url, { method: (init.method ?? 'GET').toUpperCase(), headers, body }, limits, signal);
      const stream = NULL_BODY_STATUSES.has(response.status) || !response.body ? null : capStream(response.body as ReadableStream<Uint8Array>, limits.maxBytes);
      const wrapped = new Response(stream, { status: response.status, statusText: response.statusText, headers: [...response.headers] });
      Object.defineProperty(wrapped, 'url', { value: response.url });
      return wrapped;
    });
  };

  return {
    fetch: safeFetch,
    fetchLike: fetchLike as typeof fetch,
    assertAllowed: (url) => void policy.checkUrl(url),
    close: () => agent.close(),
  };
};
