import { requirePermission, type TenantContext } from '../../app/context.js';
import type { Db } from '../../db/client.js';
import { withTx } from '../../db/tx.js';
import { AppError, notFound } from '../../lib/errors.js';
import { toPage, type TPageQuery } from '../../lib/pagination.js';
import type { AgentsService } from '../agents/agents.service.js';
import { citedSources, type ChatSource, type TurnResult } from '../chat/chat.events.js';
import type { ChatService } from '../chat/chat.service.js';
import { createConversationsRepo, type ConversationRow, type MessageRow } from './conversations.repo.js';
import type { TCloseBody, TConversation, TCreateSessionBody, TListConversationsQuery, TMessage, TTurnReply, TUpdateConversationBody } from './conversations.schemas.js';

export type ConversationsDeps = {
  db: Db;
  agents: Pick<AgentsService, 'loadForTurn'>;
  chat: Pick<ChatService, 'runTurn'>;
};

const MESSAGES_WITH_CONVERSATION = 200;

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export const toConversation = (row: ConversationRow): TConversation => ({
  id: row.id,
  agentId: row.agentId,
  channel: row.channel,
  status: row.status,
  priority: row.priority,
  externalId: row.externalId,
  customer: row.customer,
  summary: row.summary,
  runningSummary: row.runningSummary,
  closeReason: row.closeReason,
  rating: row.rating,
  messageCount: row.messageCount,
  lastMessageAt: iso(row.lastMessageAt),
  closedAt: iso(row.closedAt),
  metadata: row.metadata,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const toMessage = (row: MessageRow): TMessage => ({ id: row.id, role: row.role, content: row.content, metadata: row.metadata, createdAt: row.createdAt.toISOString() });

/** Sessions and conversations are the same rows: a session is a conversation seen from the channel's side. */
export const createConversationsService = (deps: ConversationsDeps) => {
  const repoOf = (ctx: Pick<TenantContext, 'tenantId'>) => createConversationsRepo(deps.db).forTenant(ctx);

  const findOrThrow = async (ctx: TenantContext, id: string) => {
    const row = await repoOf(ctx).findById(id);
    if (!row) throw notFound('Conversation');
    return row;
  };

  /** Runs one customer turn in the conversation and collects its answer. */
  const runCustomerTurn = async (ctx: TenantContext, conversation: ConversationRow, message: string): Promise<TTurnReply> => {
    let sources: ChatSource[] = [];
    let result: TurnResult | undefined;
    for await (const event of deps.chat.runTurn(ctx, { agentId: conversation.agentId, message, conversationId: conversation.id, channel: conversation.channel, persist: true, requireAvailable: true, stream: false })) {
      if (event.type === 'sources') sources = event.sources;
      if (event.type === 'done') result = event.result;
    }
    if (!result) throw new Error('a turn ended without a result');
    return {
      conversationId: conversation.id,
      messageId: result.messageId,
      content: result.content,
      mode: result.mode,
      confidence: result.confidence,
      citations: citedSources(result, sources),
      escalations: result.escalations,
      tokens: result.tokens,
      latencyMs: result.latencyMs,
    };
  };

  return {
    /** Opens a session with a published agent; customers cannot reach drafts. */
    createSession: async (ctx: TenantContext, input: TCreateSessionBody) => {
      requirePermission(ctx, 'conversations:write');
      const agent = await deps.agents.loadForTurn(ctx, input.agentId);
      if (!agent.isAvailable) throw new AppError('CONFLICT', 'This agent is not published; publish it before customers can talk to it');
      return toConversation(await repoOf(ctx).insert({ agentId: input.agentId, channel: input.channel, customer: input.customer, metadata: input.metadata }));
    },

    list: async (ctx: TenantContext, query: TListConversationsQuery) => {
      requirePermission(ctx, 'conversations:read');
      const { items, total } = await repoOf(ctx).list(query);
      return toPage(items.map(toConversation), total, query);
    },

    get: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'conversations:read');
      return toConversation(await findOrThrow(ctx, id));
    },

    getWithMessages: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'conversations:read');
      const row = await findOrThrow(ctx, id);
      return { ...toConversation(row), messages: (await repoOf(ctx).latestMessages(id, MESSAGES_WITH_CONVERSATION)).map(toMessage) };
    },

    messages: async (ctx: TenantContext, id: string, query: TPageQuery) => {
      requirePermission(ctx, 'conversations:read');
      await findOrThrow(ctx, id);
      const { items, total } = await repoOf(ctx).messages(id, query);
      return toPage(items.map(toMessage), total, query);
    },

    /** For realtime transports: the open session of this agent a customer (re)connects to; history is kept. */
    openSession: async (ctx: TenantContext, agentId: string, sessionId: string) => {
      requirePermission(ctx, 'conversations:write');
      const row = await repoOf(ctx).findById(sessionId);
      if (!row || row.agentId !== agentId) throw notFound('Session');
      if (row.status === 'CLOSED') throw new AppError('CONFLICT', 'This session has ended');
      return toConversation(row);
    },

    /** A customer message: runs a turn of the conversation's agent and returns the answer. */
    sendMessage: async (ctx: TenantContext, id: string, message: string) => {
      requirePermission(ctx, 'conversations:write');
      return runCustomerTurn(ctx, await findOrThrow(ctx, id), message);
    },

    close: async (ctx: TenantContext, id: string, input: TCloseBody) => {
      requirePermission(ctx, 'conversations:write');
      return withTx(deps.db, async (tx) => {
        const repo = createConversationsRepo(tx).forTenant(ctx);
        const row = await repo.findById(id);
        if (!row) throw notFound('Conversation');
        if (row.status === 'CLOSED') throw new AppError('CONFLICT', 'This conversation is already closed');
        const closed = await repo.update(id, { status: 'CLOSED', closedAt: new Date(), closeReason: input.reason ?? null, summary: input.summary ?? row.summary, rating: input.rating ?? row.rating });
        return toConversation(closed!);
      });
    },

    /** Status and priority for the inbox; moving to CLOSED stamps closed_at, reopening clears it. */
    update: async (ctx: TenantContext, id: string, input: TUpdateConversationBody) => {
      requirePermission(ctx, 'conversations:write');
      const row = await findOrThrow(ctx, id);
      const status = input.status ?? row.status;
      const closedAt = status === 'CLOSED' ? (row.closedAt ?? new Date()) : null;
      return toConversation((await repoOf(ctx).update(id, { status, priority: input.priority ?? row.priority, closedAt }))!);
    },

    clearHistory: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'conversations:delete');
      await findOrThrow(ctx, id);
      return { deleted: await withTx(deps.db, (tx) => createConversationsRepo(tx).forTenant(ctx).clearMessages(id)) };
    },
  };
};

export type ConversationsService = ReturnType<typeof createConversationsService>;
