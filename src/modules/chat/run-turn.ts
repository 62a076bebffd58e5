import { setTimeout as sleep } from 'node:timers/promises';

import type { Logger } from 'pino';

import type { TenantContext } from '../../app/context.js';
import { LlmError, type LlmMessage, type LlmPort, type LlmStreamPart, type LlmUsage } from '../../adapters/llm/port.js';
import type { Db } from '../../db/client.js';
import type { Queue } from '../../jobs/queue.js';
import { AppError, notFound } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import type { AgentsService, LoadedAgent } from '../agents/agents.service.js';
import type { AiProvidersService } from '../ai-providers/ai-providers.service.js';
import type { RetrievalService } from '../retrieval/retrieval.service.js';
import type { AnswerMode, ChatEvent, ChatSource, TurnResult } from './chat.events.js';
import { createChatRepo, type NewMessage, type TurnMessages } from './chat.repo.js';
import { retrievalConfidence } from './confidence.js';
import { messageSignals, type Signal } from './escalation-signals.js';
import { extractiveAnswer } from './extractive.js';
import { buildPrompt, citedSources } from './prompt.js';
import { rewriteFollowUp } from './query-rewrite.js';
import { isFoldDue } from './summary.js';
import { createTurnWriter } from './turn-writer.js';

export type ChatDeps = {
  db: Db;
  llm: Pick<LlmPort, 'streamText' | 'generateText'>;
  agents: Pick<AgentsService, 'loadForTurn'>;
  aiProviders: Pick<AiProvidersService, 'resolveAgentModel'>;
  retrieval: Pick<RetrievalService, 'search'>;
  /** For the running-summary job, enqueued with the turn once the history outgrows the window. */
  queue: Pick<Queue, 'enqueue'>;
  logger: Logger;
  config: {
    /** Wait before the one retry of a failed provider call. */
    retryBackoffMs: number;
    /** Messages of the conversation sent along with the question. */
    historyWindow: number;
  };
};

export type TurnInput = {
  agentId: string;
  message: string;
  /** Continue this conversation; a new one is started when absent (and `persist` is set). */
  conversationId?: string;
  /**
   * Start the new conversation under this id, with history a stateless caller sent along; both are written with the
   * turn, all or nothing.
   */
  newConversation?: { id: string; history: LlmMessage[] };
  /** The agent as the caller already loaded it (`loadForTurn`), so the turn does not read it twice. */
  agent?: LoadedAgent;
  channel?: string;
  customer?: Record<string, unknown>;
  /** False for agent tests: nothing but usage is stored. */
  persist: boolean;
  /** Customer-facing transports only reach published (ACTIVE or TRAINING) agents; tests reach drafts too. */
  requireAvailable: boolean;
  signal?: AbortSignal;
  /**
   * False when nobody reads the answer as it comes (a non-streamed API call): the provider is then asked for the whole
   * answer in one response, which spares parsing and validating an event per token. Streams by default.
   */
  stream?: boolean;
};

type Answer = { content: string; mode: AnswerMode; cited: ChatSource[]; usage: LlmUsage; model?: string; error?: string };

const NO_USAGE: LlmUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

/** The provider's whole answer as the one text part and the finish of a stream. */
async function* wholeAnswer(llm: Pick<LlmPort, 'generateText'>, ...args: Parameters<LlmPort['generateText']>): AsyncGenerator<LlmStreamPart> {
  const answer = await llm.generateText(...args);
  if (answer.text) yield { type: 'text', text: answer.text };
  yield { type: 'finish', usage: answer.usage, finishReason: answer.finishReason };
}

/** The agent reads the knowledge attached to it on the caller's behalf, whatever the caller may read directly. */
const knowledgeReader = (ctx: TenantContext): TenantContext => ({ ...ctx, permissions: new Set([...ctx.permissions, 'knowledge:read']) });

const toSources = (results: Awaited<ReturnType<RetrievalService['search']>>): ChatSource[] =>
  results.map((result, index) => ({
    ref: index + 1,
    chunkId: result.chunkId,
    documentId: result.documentId,
    knowledgeBaseId: result.knowledgeBaseId,
    documentTitle: result.documentTitle,
    sourceUrl: result.sourceUrl,
    content: result.content,
    snippet: result.snippet,
    relevance: Math.round(result.score * 10_000) / 10_000,
  }));

export const createTurnRunner = (deps: ChatDeps) => {
  const log = deps.logger.child({ component: 'chat' });
  const writer = createTurnWriter(deps);

  /** Validates and loads everything a turn needs, so that bad input fails before a stream starts. */
  const prepare = async (ctx: TenantContext, input: TurnInput) => {
    const agent = input.agent ?? (await deps.agents.loadForTurn(ctx, input.agentId));
    if (input.requireAvailable && !agent.isAvailable) throw new AppError('CONFLICT', 'This agent is not published; publish it before customers can talk to it');
    const repo = createChatRepo(deps.db).forTenant(ctx);
    const seed = input.conversationId ? [] : (input.newConversation?.history ?? []);
    let history: LlmMessage[] = seed;
    // The running summary comes with the conversation row; a new conversation has none and nothing to fold.
    let summary: string | null = null;
    let shouldFold = false;
    if (input.conversationId) {
      const conversation = await repo.findConversation(input.conversationId, input.agentId);
      if (!conversation) throw notFound('Conversation');
      if (conversation.status === 'CLOSED') throw new AppError('CONFLICT', 'This conversation is closed');
      history = (await repo.recentMessages(conversation.id, deps.config.historyWindow)).map((row) => ({ role: row.role as LlmMessage['role'], content: row.content }));
      summary = conversation.runningSummary;
      shouldFold = isFoldDue(conversation, 2, deps.config.historyWindow);
    }
    const conversationId = input.conversationId ?? (input.persist ? (input.newConversation?.id ?? newId()) : null);
    return { agent, history, summary, shouldFold, seed, conversationId, isNewConversation: !input.conversationId };
  };

  type Prepared = Awaited<ReturnType<typeof prepare>>;

  /** Streams the provider's answer, retrying once (with backoff) a retryable failure that happened before any text. */
  async function* generate(ctx: TenantContext, { settings, provider }: Pick<LoadedAgent, 'settings' | 'provider'>, request: { name: string; systemPrompt: string | null; language: string; sources: ChatSource[]; summary: string | null; history: LlmMessage[]; question: string }, options: { signal?: AbortSignal; stream: boolean }): AsyncGenerator<ChatEvent, Answer | LlmError> {
    const { signal } = options;
    let streamed = '';
    try {
      const { connection, model } = await deps.aiProviders.resolveAgentModel(ctx, { providerId: settings.model.providerId!, model: settings.model.model, row: provider });
      const prompt = buildPrompt({ agentName: request.name, systemPrompt: request.systemPrompt, personality: settings.personality, responseLength: settings.model.responseLength, language: request.language, sources: request.sources, summary: request.summary, history: request.history, question: request.question });
      for (let attempt = 1; ; attempt += 1) {
        try {
          const call = [connection, { ...prompt, model, temperature: settings.model.temperature, maxOutputTokens: settings.model.maxOutputTokens, signal }] as const;
          for await (const part of options.stream ? deps.llm.streamText(...call) : wholeAnswer(deps.llm, ...call)) {
            if (part.type === 'text') {
              streamed += part.text;
              yield { type: 'token', text: part.text };
            } else {
              const content = streamed.trim();
              if (!content) throw new LlmError('unavailable', 'the provider answered with no text');
              return { content, mode: 'generative', cited: citedSources(content, request.sources), usage: part.usage, model };
            }
          }
          throw new LlmError('unavailable', 'the provider stream ended without finishing');
        } catch (error) {
          const failure = error instanceof LlmError ? error : new LlmError('unavailable', 'the provider call failed', { cause: error });
          if (failure.kind === 'aborted' || signal?.aborted) return failure;
          log.warn({ tenant_id: ctx.tenantId, kind: failure.kind, status: failure.status, attempt, reason: failure.message }, 'LLM call failed');
          // A retry after text reached the customer would repeat it; one retry is all a waiting customer gets.
          if (attempt > 1 || !failure.isRetryable || streamed !== '') return failure;
          await sleep(deps.config.retryBackoffMs, undefined, { signal }).catch(() => undefined);
          if (signal?.aborted) return new LlmError('aborted', 'the call was aborted');
        }
      }
    } catch (error) {
      if (error instanceof LlmError) return error;
      // The credential could not be used (provider gone, or sealed under another encryption key): the customer
      // still gets the fallback, the operator a log line.
      log.error({ tenant_id: ctx.tenantId, err: error }, 'could not prepare the provider call');
      return new LlmError('bad_request', 'the provider credential could not be used', { cause: error });
    }
  }

  async function* run(ctx: TenantContext, input: TurnInput, prepared: Prepared): AsyncGenerator<ChatEvent> {
    const started = performance.now();
    const { row, settings, knowledgeBaseIds } = prepared.agent;
    const escalation = settings.fallback.escalation;
    const fired: Signal[] = messageSignals(input.message, escalation);
    const fallback = (): Answer => ({ content: settings.fallback.message, mode: 'fallback', cited: [], usage: NO_USAGE });

    let sources: ChatSource[] = [];
    let query: string | null = null;
    let confidence = 0;
    let answer: Answer | undefined;

    if (fired.some((signal) => signal.trigger === 'HUMAN_REQUESTED')) {
      answer = fallback();
    } else {
      if (knowledgeBaseIds.length > 0) {
        query = rewriteFollowUp(input.message, prepared.history.filter((message) => message.role === 'user').map((message) => message.content)).query;
        const results = await deps.retrieval.search(knowledgeReader(ctx), { knowledgeBaseIds, query, topK: settings.retrieval.topK, minScore: settings.retrieval.minScore || undefined }, { corpus: prepared.agent.knowledgeBases });
        sources = toSources(results);
        confidence = retrievalConfidence(query, results);
      }
      if (input.signal?.aborted) return await persistAborted(ctx, input, prepared);
      if (sources.length === 0) {
        if (escalation.onNoAnswer) fired.push({ trigger: 'NO_ANSWER', details: { query } });
        answer = fallback();
      } else if (escalation.onLowConfidence && confidence < escalation.confidenceThreshold) {
        fired.push({ trigger: 'LOW_CONFIDENCE', details: { confidence, threshold: escalation.confidenceThreshold, query } });
        answer = fallback();
      }
    }

    if (!answer) {
      yield { type: 'sources', sources };
      if (settings.model.providerId) {
        const generated = yield* generate(ctx, prepared.agent, { name: row.name, systemPrompt: row.systemPrompt, language: row.language, sources, summary: prepared.summary, history: prepared.history, question: input.message }, { signal: input.signal, stream: input.stream ?? true });
        if (generated instanceof LlmError) {
          if (generated.kind === 'aborted') return await persistAborted(ctx, input, prepared);
          yield { type: 'error', code: 'AI_SERVICE_UNAVAILABLE', message: 'The AI service is unavailable; the agent answered with its fallback message' };
          fired.push({ trigger: 'AI_UNAVAILABLE', details: { kind: generated.kind, status: generated.status } });
          answer = { ...fallback(), error: generated.message };
        } else {
          answer = generated;
        }
      } else {
        const extractive = extractiveAnswer(query ?? input.message, sources, settings.model.responseLength);
        if (extractive.content) {
          answer = { content: extractive.content, mode: 'extractive', cited: extractive.cited, usage: NO_USAGE };
        } else {
          if (escalation.onNoAnswer) fired.push({ trigger: 'NO_ANSWER', details: { query } });
          answer = fallback();
        }
      }
    }
    if (answer.mode !== 'generative') yield { type: 'token', text: answer.content };
    for (const signal of fired) yield { type: 'escalation', trigger: signal.trigger, details: signal.details };

    const latencyMs = Math.round(performance.now() - started);
    const messageId = await persist(ctx, input, prepared, { answer, query, confidence, sources, fired, latencyMs });
    const result: TurnResult = {
      conversationId: prepared.conversationId,
      messageId,
      content: answer.content,
      mode: answer.mode,
      confidence,
      citations: answer.cited.map((source) => source.chunkId),
      tokens: { input: answer.usage.inputTokens, output: answer.usage.outputTokens },
      latencyMs,
      escalations: fired.map((signal) => signal.trigger),
      retrievalQuery: query,
    };
    yield { type: 'done', result };
  }

  /** The turn's messages after any seeded history, with their ids; a new conversation's row comes with them. */
  const turnMessages = (input: TurnInput, prepared: Prepared, asked: NewMessage[]): TurnMessages => {
    const seeded: NewMessage[] = prepared.seed.map((message, index) => ({ ...message, metadata: { source: 'request_history' }, earlierBy: prepared.seed.length - index }));
    return {
      conversationId: prepared.conversationId!,
      messages: [...seeded, ...asked].map((message) => ({ ...message, id: newId() })),
      newConversation: prepared.isNewConversation ? { agentId: input.agentId, channel: input.channel ?? 'api', customer: input.customer ?? {} } : undefined,
    };
  };

  /** A customer who went away mid-turn still asked something: the inbox keeps the question, marked unanswered. */
  const persistAborted = async (ctx: TenantContext, input: TurnInput, prepared: Prepared): Promise<void> => {
    if (!input.persist || !prepared.conversationId) return;
    const conversation = turnMessages(input, prepared, [{ role: 'user', content: input.message, metadata: { aborted: true } }]);
    await writer.write({ ctx, conversation: { ...conversation, escalations: [], fold: false } });
  };

  /** The turn, its metadata, escalation events and metered usage, committed together (see turn-writer.ts). */
  const persist = async (
    ctx: TenantContext,
    input: TurnInput,
    prepared: Prepared,
    turn: { answer: Answer; query: string | null; confidence: number; sources: ChatSource[]; fired: Signal[]; latencyMs: number },
  ): Promise<string | null> => {
    const { answer } = turn;
    const usage = { agentId: input.agentId, mode: answer.mode, inputTokens: answer.usage.inputTokens, outputTokens: answer.usage.outputTokens, latencyMs: turn.latencyMs };
    if (!input.persist || !prepared.conversationId) {
      await writer.write({ ctx, usage });
      return null;
    }
    const conversation = turnMessages(input, prepared, [
      { role: 'user', content: input.message, metadata: turn.query && turn.query !== input.message ? { retrievalQuery: turn.query } : {} },
      {
        role: 'assistant',
        content: answer.content,
        metadata: {
          mode: answer.mode,
          confidence: turn.confidence,
          citations: answer.cited.map((source) => ({ ref: source.ref, chunkId: source.chunkId, documentId: source.documentId, relevance: source.relevance })),
          retrieved: turn.sources.map((source) => source.chunkId),
          tokens: { input: answer.usage.inputTokens, output: answer.usage.outputTokens },
          latencyMs: turn.latencyMs,
          ...(answer.model ? { model: answer.model } : {}),
          ...(answer.error ? { error: answer.error } : {}),
        },
      },
    ]);
    const messageId = conversation.messages.at(-1)!.id;
    const escalations = turn.fired.map((signal) => ({ agentId: input.agentId, conversationId: conversation.conversationId, messageId, trigger: signal.trigger, details: signal.details }));
    await writer.write({ ctx, conversation: { ...conversation, escalations, fold: prepared.shouldFold }, usage });
    return messageId;
  };

  return {
    /** Validates eagerly (404/409 before anything streams), then returns the turn's event stream. */
    startTurn: async (ctx: TenantContext, input: TurnInput): Promise<AsyncIterable<ChatEvent>> => run(ctx, input, await prepare(ctx, input)),
  };
};

export type TurnRunner = ReturnType<typeof createTurnRunner>;
