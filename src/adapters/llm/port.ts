import { z } from 'zod';

/**
 * The language-model port: everything Switchboard asks of an LLM provider. Modules depend on this type only; the
 * implementation (ai-sdk.ts) maps a tenant's provider credential to a Vercel AI SDK model.
 */

export const LLM_PROVIDERS = ['openai', 'anthropic', 'openai-compatible'] as const;
export const ZLlmProvider = z.enum(LLM_PROVIDERS);
export type LlmProvider = z.infer<typeof ZLlmProvider>;

/** Where and as whom to call: a decrypted provider credential. Never logged, never returned by an API. */
export type LlmConnection = Readonly<{
  provider: LlmProvider;
  /** Defaults per provider (OpenAI and Anthropic cloud); required for openai-compatible servers. */
  baseUrl?: string;
  apiKey?: string;
}>;

export type LlmMessage = { role: 'user' | 'assistant'; content: string };

export type LlmRequest = {
  model: string;
  system?: string;
  messages: LlmMessage[];
  temperature?: number;
  maxOutputTokens?: number;
  /** Aborting it aborts the upstream HTTP call. */
  signal?: AbortSignal;
};

export type LlmUsage = { inputTokens: number; outputTokens: number; totalTokens: number };

export type LlmStreamPart = { type: 'text'; text: string } | { type: 'finish'; usage: LlmUsage; finishReason: string };

export type LlmCheck = { ok: true; models: string[]; latencyMs: number } | { ok: false; error: string; status?: number; latencyMs: number };

export type LlmAnswer = { text: string; usage: LlmUsage; finishReason: string };

export type LlmPort = {
  /** Yields text deltas, then exactly one `finish`; throws LlmError on failure (also mid-stream). */
  streamText: (connection: LlmConnection, request: LlmRequest) => AsyncIterable<LlmStreamPart>;
  /**
   * The whole answer in one response, for callers with no one to stream to (non-streamed API calls, summaries): the
   * provider sends one JSON document instead of an event per token. Throws LlmError.
   */
  generateText: (connection: LlmConnection, request: LlmRequest) => Promise<LlmAnswer>;
  /** Proves a credential works by listing the provider's models. */
  check: (connection: LlmConnection, options?: { signal?: AbortSignal }) => Promise<LlmCheck>;
};

export type LlmFailure = 'aborted' | 'auth' | 'rate_limited' | 'bad_request' | 'unavailable';

/** A provider call failed; `isRetryable` tells whether trying again can help (5xx, 429, network, timeout). */
export class LlmError extends Error {
  readonly kind: LlmFailure;
  readonly status?: number;

  constructor(kind: LlmFailure, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'LlmError';
    this.kind = kind;
    this.status = options.status;
  }

  get isRetryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable';
  }
}
