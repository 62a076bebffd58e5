import { citedSources, type ChatSource, type TurnResult } from '../chat/chat.events.js';
import type { TChatCompletion } from './openai-compat.schemas.js';

/** Turns a Switchboard turn into OpenAI chat-completion objects and stream chunks. Pure, no I/O. */

export const completionId = (messageId: string | null, fallbackId: string) => `chatcmpl-${messageId ?? fallbackId}`;

const usageOf = (result: TurnResult) => ({
  prompt_tokens: result.tokens.input,
  completion_tokens: result.tokens.output,
  total_tokens: result.tokens.input + result.tokens.output,
});

const turnOf = (result: TurnResult, sources: ChatSource[]): TChatCompletion['switchboard'] => ({
  conversation_id: result.conversationId,
  mode: result.mode,
  confidence: result.confidence,
  // OpenAI clients expect snake_case fields.
  citations: citedSources(result, sources).map((source) => ({
    chunk_id: source.chunkId,
    document_id: source.documentId,
    document_title: source.documentTitle,
    source_url: source.sourceUrl,
  })),
  escalations: result.escalations,
});

export const toCompletion = (input: { id: string; created: number; model: string; result: TurnResult; sources: ChatSource[] }): TChatCompletion => ({
  id: input.id,
  object: 'chat.completion',
  created: input.created,
  model: input.model,
  choices: [{ index: 0, message: { role: 'assistant', content: input.result.content, refusal: null }, finish_reason: 'stop', logprobs: null }],
  usage: usageOf(input.result),
  switchboard: turnOf(input.result, input.sources),
});

type ChunkHead = { id: string; created: number; model: string };

const frame = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;

const chunk = (head: ChunkHead, choices: unknown[], extra: Record<string, unknown> = {}) => frame({ id: head.id, object: 'chat.completion.chunk', created: head.created, model: head.model, choices, ...extra });

export const roleChunk = (head: ChunkHead) => chunk(head, [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }]);

export const deltaChunk = (head: ChunkHead, text: string) => chunk(head, [{ index: 0, delta: { content: text }, finish_reason: null, logprobs: null }]);

export const finalChunk = (head: ChunkHead, result: TurnResult, sources: ChatSource[]) =>
  chunk(head, [{ index: 0, delta: {}, finish_reason: 'stop', logprobs: null }], { switchboard: turnOf(result, sources) });

/** Sent when the caller asked for `stream_options.include_usage`, as OpenAI does: empty choices, usage filled. */
export const usageChunk = (head: ChunkHead, result: TurnResult) => chunk(head, [], { usage: usageOf(result) });

export const errorFrame = (code: string, message: string) => frame({ error: { message, type: 'server_error', param: null, code } });

export const DONE_FRAME = 'data: [DONE]\n\n';
