import { requirePermission, type TenantContext } from '../../app/context.js';
import type { ChatEvent, ChatSource, TurnResult } from './chat.events.js';
import type { TAgentTestResult, TChatStreamBody } from './chat.schemas.js';
import { createTurnRunner, type ChatDeps, type TurnInput } from './run-turn.js';

const TEST_CHUNK_CHARS = 500;

/** The conversation runtime: one turn = one stream of ChatEvents that every transport relays. */
export const createChatService = (deps: ChatDeps) => {
  const runner = createTurnRunner(deps);

  return {
    /** One customer turn as a stream of events (retrieval, generation, persistence, metering). */
    runTurn: async function* (ctx: TenantContext, input: TurnInput): AsyncGenerator<ChatEvent> {
      requirePermission(ctx, 'conversations:write');
      yield* await runner.startTurn(ctx, input);
    },

    /** For streaming transports: validation errors surface here, before the stream opens. */
    startStream: async (ctx: TenantContext, agentId: string, body: TChatStreamBody, signal: AbortSignal) => {
      requirePermission(ctx, 'conversations:write');
      return runner.startTurn(ctx, { agentId, message: body.message, conversationId: body.conversationId, channel: body.channel, customer: body.customer, persist: true, requireAvailable: true, signal });
    },

    /** Asks a (possibly draft) agent one question without storing a conversation; usage is still metered. */
    testAgent: async (ctx: TenantContext, agentId: string, message: string): Promise<TAgentTestResult> => {
      requirePermission(ctx, 'agents:write');
      let sources: ChatSource[] = [];
      let result: TurnResult | undefined;
      for await (const event of await runner.startTurn(ctx, { agentId, message, persist: false, requireAvailable: false, stream: false })) {
        if (event.type === 'sources') sources = event.sources;
        if (event.type === 'done') result = event.result;
      }
      if (!result) throw new Error('a turn ended without a result');
      const cited = new Set(result.citations);
      return {
        response: result.content,
        mode: result.mode,
        confidence: result.confidence,
        responseTime: result.latencyMs,
        tokensUsed: result.tokens.input + result.tokens.output,
        escalations: result.escalations,
        sources: sources
          .filter((source) => cited.has(source.chunkId))
          .map((source) => ({ documentId: source.documentId, chunkId: source.chunkId, documentTitle: source.documentTitle, chunk: source.content.slice(0, TEST_CHUNK_CHARS), relevance: source.relevance })),
      };
    },
  };
};

export type ChatService = ReturnType<typeof createChatService>;
