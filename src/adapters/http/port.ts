/**
 * The one way Switchboard talks to the outside world over HTTP (crawler, documents from URLs, webhooks, tools, LLM
 * providers). Every call goes through the SSRF guard of safe-fetch.ts; nothing else may open outbound connections.
 */

export type OutboundConfig = Readonly<{
  /** `host` or `host:port` entries (IPv6 as `[::1]:8080`) exempt from the private-address check. */
  allowHosts: readonly string[];
  /** Ports besides 80 and 443 that any public host may be reached on. */
  allowPorts: readonly number[];
  /** Total time cap per call: connect, every redirect hop and reading the whole body. */
  timeoutMs: number;
  /** Response body cap (after decompression) per call. */
  maxBytes: number;
  maxRedirects: number;
  userAgent: string;
}>;

export type SafeFetchOptions = {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  signal?: AbortSignal;
};

export type SafeResponse = {
  status: number;
  /** The final URL, after redirects. */
  url: string;
  headers: Headers;
  body: Buffer;
};

export type SafeFetch = (url: string, options?: SafeFetchOptions) => Promise<SafeResponse>;

export type OutboundHttp = {
  fetch: SafeFetch;
  /** WHATWG-fetch-compatible (streaming Response) with the same guard and caps, for the Vercel AI SDK and the like. */
  fetchLike: typeof fetch;
  /**
   * Throws OutboundBlockedError for a URL that can never be fetched (scheme, port, literal address), without any
   * network traffic: lets an API refuse bad input at once. Hostnames are still checked at connect time.
   */
  assertAllowed: (url: string) => void;
  /** Closes pooled keep-alive connections. */
  close: () => Promise<void>;
};

/** The target is not allowed: scheme, port, or an address that is private, loopback, link-local, metadata... */
export class OutboundBlockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundBlockedError';
  }
}

export type OutboundFailure = 'timeout' | 'too_large' | 'too_many_redirects' | 'network';

/** The target was allowed but the exchange failed; `reason` lets callers choose retry or give up. */
export class OutboundRequestError extends Error {
  readonly reason: OutboundFailure;

  constructor(reason: OutboundFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutboundRequestError';
    this.reason = reason;
  }
}
