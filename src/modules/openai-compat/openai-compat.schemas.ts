import { z } from 'zod';

/**
 * The slice of the OpenAI chat-completions contract Switchboard serves: the model is an agent (id or slug), the agent's own
 * prompt, knowledge and model settings govern the answer, so sampling parameters from the caller are accepted and
 * ignored (OpenAI SDKs and tools send them by default).
 */

const ZTextPart = z.object({ type: z.literal('text'), text: z.string() });

const ZContent = z.union([z.string(), z.array(z.union([ZTextPart, z.looseObject({ type: z.string() })]))]).nullable().optional();

export const ZChatMessage = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: ZContent,
});
export type TChatMessage = z.infer<typeof ZChatMessage>;

export const ZChatCompletionBody = z.looseObject({
  model: z.string().trim().min(1).max(200).describe('An agent id or slug, as listed by GET /v1/models'),
  messages: z.array(ZChatMessage).min(1).max(200),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: z.string().trim().min(1).max(200).optional().describe('Conversation id kept server-side (unless the X-Conversation-Id header gives one)'),
});
export type TChatCompletionBody = z.infer<typeof ZChatCompletionBody>;

export const ZConversationHeaders = z.looseObject({
  'x-conversation-id': z.string().trim().min(1).max(200).optional().describe('Keeps the conversation (its memory) server-side under this id'),
});

export const ZModelParams = z.object({ model: z.string().trim().min(1).max(200) });

export const ZModel = z
  .object({
    id: z.string().describe('The agent id'),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: z.string(),
    name: z.string(),
    slug: z.string().describe('Alias accepted as `model` wherever the id is'),
  })
  .meta({ id: 'OpenAiModel' });
export type TModel = z.infer<typeof ZModel>;

export const ZModelList = z.object({ object: z.literal('list'), data: z.array(ZModel) }).meta({ id: 'OpenAiModelList' });

const ZUsage = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() });

export const ZSwitchboardTurn = z
  .object({
    conversation_id: z.string().nullable(),
    mode: z.enum(['generative', 'extractive', 'fallback']),
    confidence: z.number(),
    citations: z.array(z.object({ chunk_id: z.string(), document_id: z.string(), document_title: z.string(), source_url: z.string().nullable() })),
    escalations: z.array(z.string()),
  })
  .describe('Switchboard extension: the turn behind the answer (OpenAI clients ignore unknown fields)');

export const ZChatCompletion = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({ role: z.literal('assistant'), content: z.string(), refusal: z.null() }),
        finish_reason: z.literal('stop'),
        logprobs: z.null(),
      }),
    ),
    usage: ZUsage,
    switchboard: ZSwitchboardTurn,
  })
  .meta({ id: 'OpenAiChatCompletion' });
export type TChatCompletion = z.infer<typeof ZChatCompletion>;

/** The error body OpenAI clients parse: `error.code` carries Switchboard's error code. */
export const ZOpenAiError = z
  .object({ error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string() }) })
  .meta({ id: 'OpenAiError' });

export const withOpenAiErrors = <T extends Record<number, z.ZodType>>(success: T) => ({
  ...success,
  400: ZOpenAiError,
  401: ZOpenAiError,
  403: ZOpenAiError,
  404: ZOpenAiError,
  409: ZOpenAiError,
  429: ZOpenAiError,
  500: ZOpenAiError,
  503: ZOpenAiError,
});
