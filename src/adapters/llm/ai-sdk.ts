import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, type LanguageModelV3, type LanguageModelV3Prompt } from '@ai-sdk/provider';

import { OutboundBlockedError, OutboundRequestError } from '../http/port.js';
import { LlmError, type LlmCheck, type LlmConnection, type LlmPort, type LlmRequest, type LlmStreamPart, type LlmUsage } from './port.js';

const DEFAULT_BASE_URL: Record<LlmConnection['provider'], string | undefined> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  'openai-compatible': undefined,
};
const ANTHROPIC_VERSION = '2023-06-01';

export const baseUrlOf = (connection: LlmConnection): string => {
  const url = connection.baseUrl ?? DEFAULT_BASE_URL[connection.provider];
  if (!url) throw new LlmError('bad_request', `a base URL is required for ${connection.provider} providers`);
  return url.replace(/\/+$/, '');
};

/** One builder maps a credential to an AI SDK model (after Langfuse's buildAiSdkModel); all calls use `fetch`. */
const languageModel = (connection: LlmConnection, model: string, fetch: typeof globalThis.fetch): LanguageModelV3 => {
  const baseURL = baseUrlOf(connection);
  switch (connection.provider) {
    case 'anthropic':
      // An explicit key (even empty) keeps the SDK from falling back to ANTHROPIC_API_KEY in the environment.
      return createAnthropic({ baseURL, apiKey: connection.apiKey ?? '', fetch })(model);
    case 'openai':
    case 'openai-compatible':
      return createOpenAICompatible({ name: connection.provider, baseURL, apiKey: connection.apiKey, fetch, includeUsage: true }).chatModel(model);
  }
};

const kindOfStatus = (status: number): LlmError['kind'] => {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status >= 500 || status === 408) return 'unavailable';
  return 'bad_request';
};

/** Translates SDK, transport and abort errors into LlmError, keeping provider bodies (which may echo input) out. */
export const toLlmError = (error: unknown, signal?: AbortSignal): LlmError => {
  if (error instanceof LlmError) return error;
  if (signal?.aborted) return new LlmError('aborted', 'the call was aborted', { cause: error });
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    // A 2xx here means the answer broke off mid-stream (connection lost): the provider is what failed.
    if (status === undefined || status < 400) return new LlmError('unavailable', 'the provider connection failed', { status, cause: error });
    return new LlmError(kindOfStatus(status), `the provider answered HTTP ${status}`, { status, cause: error });
  }
  if (error instanceof OutboundBlockedError) return new LlmError('bad_request', `the provider address is not allowed: ${error.message}`, { cause: error });
  if (error instanceof OutboundRequestError) return new LlmError('unavailable', `the provider call failed (${error.reason})`, { cause: error });
  if (error instanceof Error && error.name === 'AbortError') return new LlmError('aborted', 'the call was aborted', { cause: error });
  return new LlmError('unavailable', 'the provider call failed', { cause: error });
};

/** Servers that omit usage still get metered: ~4 characters per token is the usual rule of thumb for English. */
const estimateTokens = (text: string) => Math.ceil(text.length / 4);

const usageOf = (
  reported: { inputTokens?: number; outputTokens?: number },
  estimate: { input: string; output: string },
): LlmUsage => {
  const inputTokens = reported.inputTokens ?? estimateTokens(estimate.input);
  const outputTokens = reported.outputTokens ?? estimateTokens(estimate.output);
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
};

const modelsRequest = (connection: LlmConnection): { url: string; headers: Record<string, string> } => {
  const url = `${baseUrlOf(connection)}/models`;
  if (connection.provider === 'anthropic') {
    return { url, headers: { 'x-api-key': connection.apiKey ?? '', 'anthropic-version': ANTHROPIC_VERSION } };
  }
  return { url, headers: connection.apiKey ? { authorization: `Bearer ${connection.apiKey}` } : {} };
};

/** The request as the provider interface's prompt: text-only messages after the system prompt. */
const promptOf = (request: LlmRequest): LanguageModelV3Prompt => [
  ...(request.system ? [{ role: 'system' as const, content: request.system }] : []),
  ...request.messages.map((message) => ({ role: message.role, content: [{ type: 'text' as const, text: message.content }] })),
];

const callOptionsOf = (request: LlmRequest) => ({
  prompt: promptOf(request),
  temperature: request.temperature,
  maxOutputTokens: request.maxOutputTokens,
  abortSignal: request.signal,
});

const inputTextOf = (request: LlmRequest) => [request.system ?? '', ...request.messages.map((message) => message.content)].join('\n');

/** Building a provider model costs ~0.6 ms (it compiles its response schemas), more than the rest of a turn's setup. */
const MODEL_CACHE_SIZE = 256;

/**
 * The LLM port on the Vercel AI SDK's provider interface (`doStream`): the SDK's providers speak each vendor's wire
 * format, while `streamText`'s orchestration (tools, steps, retries, telemetry), which the port does not use, cost ~4 ms
 * before the first token. `fetch` is the SSRF-guarded one, so provider URLs obey the outbound policy.
 */
export const createAiSdkLlm = (deps: { fetch: typeof globalThis.fetch }): LlmPort => {
  const models = new Map<string, LanguageModelV3>();
  const modelFor = (connection: LlmConnection, model: string): LanguageModelV3 => {
    const key = JSON.stringify([connection.provider, connection.baseUrl, connection.apiKey, model]);
    let cached = models.get(key);
    if (cached) {
      models.delete(key);
    } else {
      cached = languageModel(connection, model, deps.fetch);
      if (models.size >= MODEL_CACHE_SIZE) models.delete(models.keys().next().value!);
    }
    models.set(key, cached);
    return cached;
  };

  return {
    streamText: async function* (connection, request): AsyncGenerator<LlmStreamPart> {
      let output = '';
      try {
        // No retries here: retrying is the caller's decision (it must not resend after text reached a customer).
        const { stream } = await modelFor(connection, request.model).doStream(callOptionsOf(request));
        for await (const part of stream) {
          switch (part.type) {
            case 'text-delta':
              if (part.delta) {
                output += part.delta;
                yield { type: 'text', text: part.delta };
              }
              break;
            case 'error':
              throw part.error;
            case 'finish': {
              const reported = { inputTokens: part.usage.inputTokens.total, outputTokens: part.usage.outputTokens.total };
              yield { type: 'finish', usage: usageOf(reported, { input: inputTextOf(request), output }), finishReason: part.finishReason.unified };
              return;
            }
            default:
              break;
          }
        }
        throw new LlmError('unavailable', 'the provider stream ended without finishing');
      } catch (error) {
        throw toLlmError(error, request.signal);
      }
    },

    generateText: async (connection, request) => {
      try {
        const result = await modelFor(connection, request.model).doGenerate(callOptionsOf(request));
        const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
        const reported = { inputTokens: result.usage.inputTokens.total, outputTokens: result.usage.outputTokens.total };
        return { text, usage: usageOf(reported, { input: inputTextOf(request), output: text }), finishReason: result.finishReason.unified };
      } catch (error) {
        throw toLlmError(error, request.signal);
      }
    },

  check: async (connection, options = {}): Promise<LlmCheck> => {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const { url, headers } = modelsRequest(connection);
      const response = await deps.fetch(url, { headers: { accept: 'application/json', ...headers }, signal: options.signal });
      if (!response.ok) {
        await response.body?.cancel();
        return { ok: false, status: response.status, error: `the provider answered HTTP ${response.status}`, latencyMs: latency() };
      }
      const body = (await response.json().catch(() => ({}))) as { data?: { id?: unknown }[] };
      const models = (body.data ?? []).map((model) => model.id).filter((id): id is string => typeof id === 'string');
      return { ok: true, models, latencyMs: latency() };
    } catch (error) {
      return { ok: false, error: toLlmError(error, options.signal).message, latencyMs: latency() };
    }
  },
  };
};
