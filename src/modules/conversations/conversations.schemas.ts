import { z } from 'zod';

import { ZPageQuery, zPage } from '../../lib/pagination.js';

// The same values as the CHECK constraints of migration 0009 (schemas do not import tables).
export const ZConversationStatus = z.enum(['ACTIVE', 'WAITING', 'CLOSED']);
export const ZConversationPriority = z.enum(['LOW', 'NORMAL', 'HIGH', 'URGENT']);
const ZMessageRole = z.enum(['user', 'assistant', 'human', 'system']);

export const ZConversationId = z.object({ id: z.uuid() });

const ZChannel = z.string().trim().min(1).max(50);
const ZCustomer = z.record(z.string().max(100), z.unknown()).describe('Visitor or customer details: name, email, locale, ...');

export const ZCreateSessionBody = z.object({
  agentId: z.uuid(),
  channel: ZChannel.default('api'),
  customer: ZCustomer.default({}),
  metadata: z.record(z.string().max(100), z.unknown()).default({}),
});
export type TCreateSessionBody = z.infer<typeof ZCreateSessionBody>;

export const ZListConversationsQuery = ZPageQuery.extend({
  status: ZConversationStatus.optional(),
  agentId: z.uuid().optional(),
  channel: ZChannel.optional(),
  priority: ZConversationPriority.optional(),
  search: z.string().trim().min(1).max(200).optional().describe('Text found in any message of the conversation'),
  from: z.iso.datetime({ offset: true }).optional().describe('Created at or after (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Created before (ISO 8601)'),
});
export type TListConversationsQuery = z.infer<typeof ZListConversationsQuery>;

export const ZConversation = z
  .object({
    id: z.uuid(),
    agentId: z.uuid(),
    channel: z.string(),
    status: ZConversationStatus,
    priority: ZConversationPriority,
    externalId: z.string().nullable(),
    customer: z.record(z.string(), z.unknown()),
    summary: z.string().nullable().describe('Set when the conversation is closed (close body)'),
    runningSummary: z.string().nullable().describe('What the agent remembers of the messages older than its history window; kept by the runtime'),
    closeReason: z.string().nullable(),
    rating: z.number().int().nullable(),
    messageCount: z.number().int(),
    lastMessageAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Conversation' });
export type TConversation = z.infer<typeof ZConversation>;

export const ZConversationPage = zPage(ZConversation);

export const ZMessage = z
  .object({ id: z.uuid(), role: ZMessageRole, content: z.string(), metadata: z.record(z.string(), z.unknown()), createdAt: z.string() })
  .meta({ id: 'ConversationMessage' });
export type TMessage = z.infer<typeof ZMessage>;

export const ZMessagePage = zPage(ZMessage);

export const ZConversationWithMessages = ZConversation.extend({ messages: z.array(ZMessage).describe('Oldest first; the latest 200') }).meta({ id: 'ConversationWithMessages' });

export const ZSendMessageBody = z.object({ message: z.string().trim().min(1).max(8000) });

export const ZTurnReply = z
  .object({
    conversationId: z.uuid(),
    messageId: z.uuid().nullable(),
    content: z.string(),
    mode: z.enum(['generative', 'extractive', 'fallback']),
    confidence: z.number(),
    citations: z.array(z.object({ chunkId: z.uuid(), documentId: z.uuid(), documentTitle: z.string(), sourceUrl: z.string().nullable() })),
    escalations: z.array(z.string()),
    tokens: z.object({ input: z.number().int(), output: z.number().int() }),
    latencyMs: z.number().int(),
  })
  .meta({ id: 'TurnReply' });
export type TTurnReply = z.infer<typeof ZTurnReply>;

export const ZCloseBody = z.object({
  reason: z.string().trim().min(1).max(200).optional(),
  summary: z.string().trim().min(1).max(4000).optional(),
  rating: z.number().int().min(1).max(5).optional(),
});
export type TCloseBody = z.infer<typeof ZCloseBody>;

export const ZUpdateConversationBody = z
  .object({ status: ZConversationStatus.optional(), priority: ZConversationPriority.optional() })
  .refine((body) => body.status !== undefined || body.priority !== undefined, { message: 'Give status or priority' });
export type TUpdateConversationBody = z.infer<typeof ZUpdateConversationBody>;

export const ZClearedHistory = z.object({ deleted: z.number().int() });
