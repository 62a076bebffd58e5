import { z } from 'zod';

import type { AgentStatus } from '../../db/schema.js';
import { ZPageQuery, zPage } from '../../lib/pagination.js';
import { isUuidShaped, SLUG_MAX_LENGTH, SLUG_PATTERN } from './agent-slug.js';

export const ZAgentId = z.object({ id: z.uuid() });
export const ZAgentKnowledgeBaseParams = z.object({ id: z.uuid(), knowledgeBaseId: z.uuid() });

export const PERSONALITIES = ['PROFESSIONAL', 'FRIENDLY', 'CASUAL', 'EMPATHETIC', 'CONCISE', 'ENTHUSIASTIC'] as const;
export const ZPersonality = z.enum(PERSONALITIES);
export type TPersonality = z.infer<typeof ZPersonality>;

export const ZResponseLength = z.enum(['SHORT', 'MEDIUM', 'LONG']);
export type TResponseLength = z.infer<typeof ZResponseLength>;

export const DEFAULT_FALLBACK_MESSAGE =
  "I'm sorry, I don't have enough information to answer that. Let me connect you with someone from our team who can help.";

/** Model settings; without a providerId the agent answers extractively (quoted passages, no generation). */
export const ZModelConfig = z.object({
  providerId: z.uuid().nullable().default(null).describe('One of the tenant\'s AI providers; null = built-in extractive responder'),
  model: z.string().trim().min(1).max(200).nullable().default(null).describe("Defaults to the provider's default model"),
  temperature: z.number().min(0).max(2).default(0.3),
  maxOutputTokens: z.number().int().min(16).max(16_384).default(512),
  responseLength: ZResponseLength.default('MEDIUM'),
});
export type TModelConfig = z.infer<typeof ZModelConfig>;

export const ZRetrievalConfig = z.object({
  topK: z.number().int().min(1).max(20).default(5),
  minScore: z.number().min(0).default(0).describe('Chunks scoring below this are not used (BM25F score in lexical mode)'),
});
export type TRetrievalConfig = z.infer<typeof ZRetrievalConfig>;

export const ZEscalationConfig = z.object({
  onLowConfidence: z.boolean().default(true),
  confidenceThreshold: z.number().min(0).max(1).default(0.4).describe('Below this confidence the agent answers with the fallback'),
  onNoAnswer: z.boolean().default(true),
  onHumanRequest: z.boolean().default(true),
  keywords: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  onNegativeSentiment: z.boolean().default(false),
});
export type TEscalationConfig = z.infer<typeof ZEscalationConfig>;

export const ZFallbackConfig = z.object({
  message: z.string().trim().min(1).max(2000).default(DEFAULT_FALLBACK_MESSAGE),
  escalation: ZEscalationConfig.default(ZEscalationConfig.parse({})),
});
export type TFallbackConfig = z.infer<typeof ZFallbackConfig>;

const ZKnowledgeBaseIds = z.array(z.uuid()).max(20);

export const ZAgentSlug = z
  .string()
  .trim()
  .toLowerCase()
  .max(SLUG_MAX_LENGTH)
  .regex(SLUG_PATTERN, 'must be lower-case letters and digits in dash-separated words, like support-bot')
  .refine((slug) => !isUuidShaped(slug), 'must not look like an agent id')
  .describe('Alias for the OpenAI-compatible API (`model`); unique in the tenant');

export const ZCreateAgentBody = z.object({
  name: z.string().trim().min(1).max(100),
  slug: ZAgentSlug.optional().describe('Derived from the name when absent ("Support Bot" -> support-bot, numbered if taken)'),
  description: z.string().trim().max(1000).optional(),
  personality: ZPersonality.default('PROFESSIONAL'),
  language: z.string().trim().min(2).max(35).regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag like en or pt-BR').default('en'),
  greeting: z.string().trim().max(1000).optional(),
  systemPrompt: z.string().trim().max(8000).optional(),
  model: ZModelConfig.default(ZModelConfig.parse({})),
  retrieval: ZRetrievalConfig.default(ZRetrievalConfig.parse({})),
  fallback: ZFallbackConfig.default(ZFallbackConfig.parse({})),
  knowledgeBaseIds: ZKnowledgeBaseIds.default([]),
});
export type TCreateAgentBody = z.infer<typeof ZCreateAgentBody>;

/** Nested settings are merged into the stored ones: `{ model: { temperature: 0.7 } }` changes only that. */
export const ZUpdateAgentBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    slug: ZAgentSlug.describe('Renaming an agent keeps its slug; change it here (409 when another agent has it)'),
    description: z.string().trim().max(1000).nullable(),
    personality: ZPersonality,
    language: ZCreateAgentBody.shape.language.unwrap(),
    greeting: z.string().trim().max(1000).nullable(),
    systemPrompt: z.string().trim().max(8000).nullable(),
    model: z.object({
      providerId: z.uuid().nullable(),
      model: z.string().trim().min(1).max(200).nullable(),
      temperature: z.number().min(0).max(2),
      maxOutputTokens: z.number().int().min(16).max(16_384),
      responseLength: ZResponseLength,
    }).partial(),
    retrieval: z.object({ topK: z.number().int().min(1).max(20), minScore: z.number().min(0) }).partial(),
    fallback: z.object({
      message: z.string().trim().min(1).max(2000),
      escalation: z.object({
        onLowConfidence: z.boolean(),
        confidenceThreshold: z.number().min(0).max(1),
        onNoAnswer: z.boolean(),
        onHumanRequest: z.boolean(),
        keywords: z.array(z.string().trim().min(1).max(100)).max(50),
        onNegativeSentiment: z.boolean(),
      }).partial(),
    }).partial(),
    knowledgeBaseIds: ZKnowledgeBaseIds.describe('Replaces the attached set'),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'at least one field is required');
export type TUpdateAgentBody = z.infer<typeof ZUpdateAgentBody>;

export const ZAttachKnowledgeBody = z.object({ knowledgeBaseIds: ZKnowledgeBaseIds.min(1) });

export const ZAgentStatus = z.enum(['DRAFT', 'TRAINING', 'ACTIVE'] satisfies AgentStatus[]);

export const ZListAgentsQuery = ZPageQuery.extend({
  status: ZAgentStatus.optional(),
  search: z.string().trim().max(100).optional(),
});
export type TListAgentsQuery = z.infer<typeof ZListAgentsQuery>;

export const ZAgent = z
  .object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    description: z.string().nullable(),
    status: ZAgentStatus,
    personality: ZPersonality,
    language: z.string(),
    greeting: z.string().nullable(),
    systemPrompt: z.string().nullable(),
    model: ZModelConfig,
    retrieval: ZRetrievalConfig,
    fallback: ZFallbackConfig,
    knowledgeBaseIds: z.array(z.uuid()),
    publishedAt: z.iso.datetime().nullable(),
    trainingStartedAt: z.iso.datetime().nullable(),
    trainedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Agent' });
export type TAgent = z.infer<typeof ZAgent>;

export const ZAgentPage = zPage(ZAgent);

export const ZAgentConfiguration = z
  .object({
    agentId: z.uuid(),
    name: z.string(),
    status: ZAgentStatus,
    isAvailable: z.boolean().describe('Whether channels may route customers to it (ACTIVE or TRAINING)'),
    mode: z.enum(['generative', 'extractive']),
    personality: ZPersonality,
    language: z.string(),
    greeting: z.string().nullable(),
    fallbackMessage: z.string(),
    knowledgeBaseCount: z.number().int(),
  })
  .meta({ id: 'AgentConfiguration' });
export type TAgentConfiguration = z.infer<typeof ZAgentConfiguration>;

export const ZTrainResult = z
  .object({
    agentId: z.uuid(),
    status: ZAgentStatus,
    knowledgeBases: z.array(z.object({ knowledgeBaseId: z.uuid(), queued: z.number().int() })),
  })
  .meta({ id: 'AgentTraining' });

export const ZPerformanceQuery = z.object({ days: z.coerce.number().int().min(1).max(365).default(30) });

export const ZAgentPerformance = z
  .object({
    agentId: z.uuid(),
    since: z.iso.date(),
    conversations: z.number().int(),
    averageRating: z.number().nullable(),
    ratedConversations: z.number().int(),
    turns: z.number().int(),
    fallbackTurns: z.number().int(),
    extractiveTurns: z.number().int(),
    averageResponseTimeMs: z.number().nullable(),
    escalations: z.number().int(),
    tokens: z.object({ input: z.number().int(), output: z.number().int() }),
  })
  .meta({ id: 'AgentPerformance' });
export type TAgentPerformance = z.infer<typeof ZAgentPerformance>;
