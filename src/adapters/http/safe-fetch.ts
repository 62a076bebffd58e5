import { pipeline, type Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

import { request, type Dispatcher } from 'undici';

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

/** A response as the hops leave it: headers, and the (decoded) body as a Node stream nobody has read yet. */
type Exchange = { status: number; url: string; headers: Headers; body: Readable };

const ACCEPT_ENCODING = 'gzip, deflate, br';
const DECODERS: Record<string, () => Transform> = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress };

const headersOf = (raw: Dispatcher.ResponseData['headers']): Headers => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, item);
  }
  return headers;
};

/** The body as its content codings leave it (last applied, first undone), as fetch does; unknown codings stay. */
const decoded = (body: Readable, headers: Headers): Readable => {
  const codings = (headers.get('content-encoding') ?? '').toLowerCase().split(',').map((coding) => coding.trim()).filter((coding) => coding && coding !== 'identity');
  if (codings.length === 0 || !codings.every((coding) => coding in DECODERS)) return body;
  const decoders = codings.reverse().map((coding) => DECODERS[coding]!());
  // An error anywhere (a corrupt stream, the connection lost) destroys the last decoder with it: the reader sees it.
  pipeline([body, ...decoders], () => {});
  return decoders.at(-1)!;
};

/** Drops a body nobody will read; destroying it must not surface as an unhandled 'error' event. */
const discard = (body: Readable) => {
  body.on('error', () => {});
  body.destroy();
};

/** Reads the whole body, stopping (and closing the connection) as soon as the cap is passed. */
const readCapped = async (response: Exchange, maxBytes: number): Promise<Buffer> => {
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes && !response.headers.has('content-encoding')) {
    discard(response.body);
    throw tooLarge(maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(maxBytes); // leaving the loop destroys the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
};

/** The same cap for a body the caller streams, as a WHATWG stream that errors once the cap is passed. */
const cappedWebStream = (source: Readable, maxBytes: number): ReadableStream<Uint8Array> => {
  const chunks = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let total = 0;
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      const next = await chunks.next();
      if (next.done) return controller.close();
      total += next.value.byteLength;
      if (total <= maxBytes) return controller.enqueue(next.value);
      discard(source);
      controller.error(tooLarge(maxBytes));
    },
    cancel: () => discard(source),
  });
};

/** Turns undici's transport and abort errors into ours, keeping a caller's own abort as it is. */
const translateError = (error: unknown, limits: Limits, timeout: AbortSignal): unknown => {
  if (error instanceof OutboundBlockedError || error instanceof OutboundRequestError) return error;
  if (limits.signal?.aborted) return limits.signal.reason ?? error;
  if (timeout.aborted) return new OutboundRequestError('timeout', `no complete response within ${limits.timeoutMs} ms`);
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof OutboundBlockedError) return cause;
  if (error instanceof Error) {
    const detail = `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`.trim();
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

  const follow = async (rawUrl: string, hop: Hop, limits: Limits, signal: AbortSignal): Promise<Exchange> => {
    let url = policy.checkUrl(rawUrl);
    if (!hop.headers.has('user-agent')) hop.headers.set('user-agent', config.userAgent);
    if (!hop.headers.has('accept-encoding')) hop.headers.set('accept-encoding', ACCEPT_ENCODING);
    for (let redirects = 0; ; redirects += 1) {
      // undici's request(), not its fetch(): fetch clones each request and wraps both bodies in WHATWG streams,
      // ~0.4 ms per call before the first byte of a streamed answer.
      const response = await request(url, {
        method: hop.method as Dispatcher.HttpMethod,
        headers: Object.fromEntries(hop.headers),
        body: hop.body,
        dispatcher: agent,
        signal,
      });
      const headers = headersOf(response.headers);
      const location = headers.get('location');
      if (!REDIRECT_STATUSES.has(response.statusCode) || !location) {
        return { status: response.statusCode, url: url.href, headers, body: decoded(response.body, headers) };
      }
      discard(response.body);
      if (redirects >= limits.maxRedirects) {
        throw new OutboundRequestError('too_many_redirects', `more than ${limits.maxRedirects} redirects`);
      }
      const next = policy.checkUrl(new URL(location, url).href);
      if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && hop.method === 'POST')) {
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
      return { status: response.status, url: response.url, headers: response.headers, body };
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
      const isNullBody = NULL_BODY_STATUSES.has(response.status) || (init.method ?? 'GET').toUpperCase() === 'HEAD';
      if (isNullBody) discard(response.body);
      const wrapped = new Response(isNullBody ? null : cappedWebStream(response.body, limits.maxBytes), { status: response.status, headers: response.headers });
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
