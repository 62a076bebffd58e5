import { z } from 'zod';

import { ZLlmProvider } from '../../adapters/llm/port.js';
import { ZPageQuery, zPage } from '../../lib/pagination.js';

export const ZAiProviderId = z.object({ id: z.uuid() });

const ZBaseUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000);
const ZApiKey = z.string().trim().min(1).max(4000);
const ZModelName = z.string().trim().min(1).max(200);

export const ZCreateAiProviderBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    provider: ZLlmProvider,
    baseUrl: ZBaseUrl.optional().describe('Required for openai-compatible servers (e.g. http://localhost:11434/v1 for Ollama)'),
    apiKey: ZApiKey.optional().describe('Stored encrypted; never returned. Required for openai and anthropic'),
    defaultModel: ZModelName.optional(),
  })
  .superRefine((body, issues) => {
    if (body.provider === 'openai-compatible' && !body.baseUrl) {
      issues.addIssue({ code: 'custom', path: ['baseUrl'], message: 'baseUrl is required for openai-compatible providers' });
    }
    if (body.provider !== 'openai-compatible' && !body.apiKey) {
      issues.addIssue({ code: 'custom', path: ['apiKey'], message: `apiKey is required for ${body.provider}` });
    }
  });
export type TCreateAiProviderBody = z.infer<typeof ZCreateAiProviderBody>;

export const ZUpdateAiProviderBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    baseUrl: ZBaseUrl.nullable(),
    apiKey: ZApiKey.nullable().describe('A new key replaces the stored one; null removes it'),
    defaultModel: ZModelName.nullable(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'at least one field is required');
export type TUpdateAiProviderBody = z.infer<typeof ZUpdateAiProviderBody>;

export const ZListAiProvidersQuery = ZPageQuery;
export type TListAiProvidersQuery = z.infer<typeof ZListAiProvidersQuery>;

export const ZAiProvider = z
  .object({
    id: z.uuid(),
    name: z.string(),
    provider: ZLlmProvider,
    baseUrl: z.string().nullable(),
    hasApiKey: z.boolean(),
    apiKeyMasked: z.string().nullable().describe('Only the last characters of a long key, to tell keys apart'),
    defaultModel: z.string().nullable(),
    lastCheckedAt: z.iso.datetime().nullable(),
    lastCheckOk: z.boolean().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'AiProvider' });
export type TAiProvider = z.infer<typeof ZAiProvider>;

export const ZAiProviderPage = zPage(ZAiProvider);

export const ZAiProviderCheck = z
  .object({
    ok: z.boolean(),
    models: z.array(z.string()).describe('Models the provider lists for this credential'),
    latencyMs: z.number().int(),
    error: z.string().optional(),
    status: z.number().int().optional().describe('The HTTP status the provider answered, when it answered'),
  })
  .meta({ id: 'AiProviderCheck' });
export type TAiProviderCheck = z.infer<typeof ZAiProviderCheck>;
