import { z } from 'zod';

import { requirePermission, type TenantContext } from '../../app/context.js';
import type { LlmMessage } from '../../adapters/llm/port.js';
import type { Db } from '../../db/client.js';
import { AppError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import type { AgentsService } from '../agents/agents.service.js';
import type { ChatEvent } from '../chat/chat.events.js';
import type { ChatService } from '../chat/chat.service.js';
import { createOpenAiCompatRepo } from './openai-compat.repo.js';
import type { TChatCompletionBody, TChatMessage, TModel } from './openai-compat.schemas.js';

export type OpenAiCompatDeps = {
  db: Db;
  agents: Pick<AgentsService, 'list' | 'loadForTurn' | 'idForSlug'>;
  chat: Pick<ChatService, 'runTurn'>;
};

const CHANNEL = 'openai';
const MAX_QUESTION_CHARS = 8000;
const AGENTS_PAGE = 100;

const isUuid = (value: string) => z.uuid().safeParse(value).success;

const modelNotFound = (model: string) => new AppError('RESOURCE_NOT_FOUND', `The model '${model}' does not exist or you do not have access to it`, { param: 'model' });

/** The text of a message: a string, or the text parts of a content array (images and audio are not supported). */
const textOf = (message: TChatMessage): string => {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.flatMap((part) => (part.type === 'text' && typeof part.text === 'string' ? [part.text] : [])).join('\n');
};

/** The question is the last message, from the user; earlier user/assistant messages are the caller's history. */
const splitMessages = (messages: TChatMessage[]) => {
  const last = messages.at(-1)!;
  const question = textOf(last).trim();
  if (last.role !== 'user' || !question) throw new AppError('VALIDATION_ERROR', 'The last message must be a user message with text', { param: 'messages' });
  if (question.length > MAX_QUESTION_CHARS) throw new AppError('VALIDATION_ERROR', `The last message is longer than ${MAX_QUESTION_CHARS} characters`, { param: 'messages' });
  const history: LlmMessage[] = messages.slice(0, -1).flatMap((message) => {
    const text = textOf(message).trim();
    return (message.role === 'user' || message.role === 'assistant') && text ? [{ role: message.role, content: text }] : [];
  });
  return { question, history };
};

export type CompletionStart = {
  agentId: string;
  conversationId: string;
  /** The turn's events; the first one is already pulled so that input errors surface before anything is sent. */
  events: AsyncIterator<ChatEvent>;
  first: IteratorResult<ChatEvent>;
};

/** OpenAI's chat-completions API over agents: each call is one runTurn of the chat runtime. */
export const createOpenAiCompatService = (deps: OpenAiCompatDeps) => {
  /** The agent a model names, by id or slug; drafts are not offered (customers cannot reach them either). */
  const loadAgent = async (ctx: TenantContext, model: string) => {
    // Slugs never look like UUIDs, so a model is one or the other.
    const id = isUuid(model) ? model : await deps.agents.idForSlug(ctx, model.toLowerCase());
    if (!id) throw modelNotFound(model);
    try {
      return await deps.agents.loadForTurn(ctx, id);
    } catch (error) {
      if (error instanceof AppError && error.code === 'RESOURCE_NOT_FOUND') throw modelNotFound(model);
      throw error;
    }
  };

  const toModel = (agent: { id: string; name: string; slug: string; createdAt: string | Date }): TModel => ({
    id: agent.id,
    object: 'model',
    created: Math.floor(new Date(agent.createdAt).getTime() / 1000),
    owned_by: 'switchboard',
    name: agent.name,
    slug: agent.slug,
  });

  return {
    /** The tenant's published agents (ACTIVE or TRAINING), oldest first like OpenAI's list. */
    listModels: async (ctx: TenantContext): Promise<TModel[]> => {
      requirePermission(ctx, 'agents:read');
      const models: TModel[] = [];
      for (let page = 1; ; page += 1) {
        const { items, pagination } = await deps.agents.list(ctx, { page, limit: AGENTS_PAGE });
        models.push(...items.filter((agent) => agent.status !== 'DRAFT').map(toModel));
        if (page >= pagination.pages) break;
      }
      return models.sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
    },

    getModel: async (ctx: TenantContext, model: string): Promise<TModel> => {
      requirePermission(ctx, 'agents:read');
      const agent = await loadAgent(ctx, model);
      if (!agent.isAvailable) throw modelNotFound(model);
      return toModel(agent.row);
    },

    /**
     * Resolves the conversation and starts the turn. With a conversation key the server keeps the memory (only the
     * last message is read); without one, the history the caller sent seeds a new conversation.
     */
    startCompletion: async (ctx: TenantContext, input: { body: TChatCompletionBody; conversationKey?: string; signal: AbortSignal }): Promise<CompletionStart> => {
      requirePermission(ctx, 'conversations:write');
      const { body } = input;
      const agent = await loadAgent(ctx, body.model);
      if (!agent.isAvailable) throw new AppError('CONFLICT', 'This agent is not published; publish it before customers can talk to it');
      const { question, history } = splitMessages(body.messages);
      const key = input.conversationKey;
      // A keyed conversation is found or created now (callers race on the key); a stateless call's conversation and
      // the history it sent are written with the turn itself.
      const conversation = key
        ? { conversationId: await createOpenAiCompatRepo(deps.db).forTenant(ctx).findOrCreateByExternalId({ agentId: agent.row.id, externalId: key, channel: CHANNEL }) }
        : { newConversation: { id: newId(), history } };
      const conversationId = conversation.conversationId ?? conversation.newConversation!.id;
      const events = deps.chat.runTurn(ctx, { agentId: agent.row.id, agent, message: question, ...conversation, channel: CHANNEL, persist: true, requireAvailable: true, signal: input.signal, stream: body.stream === true })[Symbol.asyncIterator]();
      const first = await events.next();
      return { agentId: agent.row.id, conversationId, events, first };
    },
  };
};

export type OpenAiCompatService = ReturnType<typeof createOpenAiCompatService>;
