import { sql } from 'drizzle-orm';
import { bigint, boolean, date, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

import { tenantRef, timestamps } from './foundation.js';
import { knowledgeBases } from './knowledge.js';

/** Tables of the agents migration (0009): providers, agents, conversations, messages, escalations and usage. */

export const AI_PROVIDER_KINDS = ['openai', 'anthropic', 'openai-compatible'] as const;

export const aiProviders = pgTable(
  'ai_providers',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    name: text('name').notNull(),
    provider: text('provider', { enum: AI_PROVIDER_KINDS }).notNull(),
    baseUrl: text('base_url'),
    apiKeySealed: text('api_key_sealed'),
    apiKeyHint: text('api_key_hint'),
    defaultModel: text('default_model'),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true, mode: 'date' }),
    lastCheckOk: boolean('last_check_ok'),
    ...timestamps,
  },
  (t) => [uniqueIndex('ai_providers_tenant_name_uq').on(t.tenantId, sql`lower(${t.name})`)],
);

export const AGENT_STATUSES = ['DRAFT', 'TRAINING', 'ACTIVE'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export type AgentModelConfig = {
  model?: string | null;
  temperature?: number;
  maxOutputTokens?: number;
  responseLength?: 'SHORT' | 'MEDIUM' | 'LONG';
};
export type AgentRetrievalConfig = { topK?: number; minScore?: number };
export type AgentFallbackConfig = {
  message?: string;
  escalation?: {
    onLowConfidence?: boolean;
    confidenceThreshold?: number;
    onNoAnswer?: boolean;
    onHumanRequest?: boolean;
    keywords?: string[];
    onNegativeSentiment?: boolean;
  };
};

export const agents = pgTable(
  'agents',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    name: text('name').notNull(),
    /** The OpenAI-compatible API's alias (migration 0011): unique per tenant, kept on rename. */
    slug: text('slug').notNull(),
    description: text('description'),
    status: text('status', { enum: AGENT_STATUSES }).notNull().default('DRAFT'),
    personality: text('personality').notNull().default('PROFESSIONAL'),
    language: text('language').notNull().default('en'),
    greeting: text('greeting'),
    systemPrompt: text('system_prompt'),
    providerId: uuid('provider_id').references(() => aiProviders.id, { onDelete: 'set null' }),
    model: jsonb('model').$type<AgentModelConfig>().notNull().default({}),
    retrieval: jsonb('retrieval').$type<AgentRetrievalConfig>().notNull().default({}),
    fallback: jsonb('fallback').$type<AgentFallbackConfig>().notNull().default({}),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
    trainingStartedAt: timestamp('training_started_at', { withTimezone: true, mode: 'date' }),
    trainedAt: timestamp('trained_at', { withTimezone: true, mode: 'date' }),
    ...timestamps,
  },
  (t) => [
    index('agents_tenant_idx').on(t.tenantId, t.createdAt),
    uniqueIndex('agents_tenant_slug_uq').on(t.tenantId, t.slug),
    index('agents_provider_idx').on(t.providerId).where(sql`provider_id IS NOT NULL`),
  ],
);

export const agentKnowledgeBases = pgTable(
  'agent_knowledge_bases',
  {
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    knowledgeBaseId: uuid('knowledge_base_id')
      .notNull()
      .references(() => knowledgeBases.id, { onDelete: 'cascade' }),
    tenantId: tenantRef(),
    createdAt: timestamps.createdAt,
  },
  (t) => [primaryKey({ columns: [t.agentId, t.knowledgeBaseId] }), index('agent_knowledge_bases_kb_idx').on(t.knowledgeBaseId)],
);

export const CONVERSATION_STATUSES = ['ACTIVE', 'WAITING', 'CLOSED'] as const;
export const CONVERSATION_PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull().default('api'),
    status: text('status', { enum: CONVERSATION_STATUSES }).notNull().default('ACTIVE'),
    priority: text('priority', { enum: CONVERSATION_PRIORITIES }).notNull().default('NORMAL'),
    externalId: text('external_id'),
    customer: jsonb('customer').$type<Record<string, unknown>>().notNull().default({}),
    summary: text('summary'),
    /** Migration 0011: the messages that fell out of the history window, folded by the chat.fold-summary job. */
    runningSummary: text('running_summary'),
    /** How many user/assistant messages, oldest first, `runningSummary` covers. */
    summarizedCount: integer('summarized_count').notNull().default(0),
    closeReason: text('close_reason'),
    rating: smallint('rating'),
    messageCount: integer('message_count').notNull().default(0),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true, mode: 'date' }),
    closedAt: timestamp('closed_at', { withTimezone: true, mode: 'date' }),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps,
  },
  (t) => [
    index('conversations_tenant_idx').on(t.tenantId, t.createdAt),
    index('conversations_agent_idx').on(t.agentId, t.createdAt),
    uniqueIndex('conversations_external_uq').on(t.tenantId, t.agentId, t.externalId).where(sql`external_id IS NOT NULL`),
  ],
);

export const MESSAGE_ROLES = ['user', 'assistant', 'human', 'system'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    role: text('role', { enum: MESSAGE_ROLES }).notNull(),
    content: text('content').notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('messages_conversation_idx').on(t.conversationId, t.createdAt), index('messages_tenant_idx').on(t.tenantId, t.createdAt)],
);

export const ESCALATION_TRIGGERS = ['LOW_CONFIDENCE', 'NO_ANSWER', 'HUMAN_REQUESTED', 'KEYWORD', 'NEGATIVE_SENTIMENT', 'AI_UNAVAILABLE'] as const;
export type EscalationTrigger = (typeof ESCALATION_TRIGGERS)[number];

export const escalationEvents = pgTable(
  'escalation_events',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantRef(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'cascade' }),
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'set null' }),
    trigger: text('trigger', { enum: ESCALATION_TRIGGERS }).notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    handledAt: timestamp('handled_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamps.createdAt,
  },
  (t) => [index('escalation_events_tenant_idx').on(t.tenantId, t.createdAt), index('escalation_events_agent_idx').on(t.agentId, t.createdAt)],
);

export const agentUsageDaily = pgTable(
  'agent_usage_daily',
  {
    tenantId: tenantRef(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    turns: integer('turns').notNull().default(0),
    generativeTurns: integer('generative_turns').notNull().default(0),
    extractiveTurns: integer('extractive_turns').notNull().default(0),
    fallbackTurns: integer('fallback_turns').notNull().default(0),
    inputTokens: bigint('input_tokens', { mode: 'number' }).notNull().default(0),
    outputTokens: bigint('output_tokens', { mode: 'number' }).notNull().default(0),
    latencyMsTotal: bigint('latency_ms_total', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.agentId, t.day] }), index('agent_usage_daily_agent_idx').on(t.agentId, t.day)],
);

export const agentsTables = { aiProviders, agents, agentKnowledgeBases, conversations, messages, escalationEvents, agentUsageDaily };
