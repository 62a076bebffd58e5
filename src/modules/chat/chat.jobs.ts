import type { Logger } from 'pino';
import { z } from 'zod';

import type { TenantContext } from '../../app/context.js';
import { LlmError, type LlmPort, type LlmUsage } from '../../adapters/llm/port.js';
import type { Db } from '../../db/client.js';
import { withTx } from '../../db/tx.js';
import { defineJob } from '../../jobs/registry.js';
import type { AgentsService } from '../agents/agents.service.js';
import type { AiProvidersService } from '../ai-providers/ai-providers.service.js';
import { createConversationSummaryRepo } from './conversation-summary.repo.js';
import { clip } from './sentences.js';
import { CHAT_JOB, extractiveSummary, MAX_SUMMARY_CHARS, summaryPrompt, type FoldedMessage } from './summary.js';

const ZFoldSummaryPayload = z.object({ tenantId: z.uuid(), conversationId: z.uuid() });

// One model call folds at most this many messages; a longer backlog (a seeded history continued later, a window
// made smaller) takes a few rounds, and whatever is left waits for the next turn's job.
const MAX_FOLD_MESSAGES = 40;
const MAX_ROUNDS = 5;
const SUMMARY_MAX_OUTPUT_TOKENS = 400;
const SUMMARY_TEMPERATURE = 0.2;

export type ChatJobsDeps = {
  db: Db;
  llm: Pick<LlmPort, 'generateText'>;
  agents: Pick<AgentsService, 'loadForTurn'>;
  aiProviders: Pick<AiProvidersService, 'resolveAgentModel'>;
  logger: Logger;
  config: { historyWindow: number };
};

type Folded = { text: string; usage?: LlmUsage };

export const createChatJobs = (deps: ChatJobsDeps) => {
  const log = deps.logger.child({ component: 'chat.summary' });

  /** The new summary, or undefined when the model failed: the old summary stays and the next fold retries these. */
  const fold = async (ctx: TenantContext, conversation: { id: string; agentId: string; runningSummary: string | null }, messages: FoldedMessage[], signal: AbortSignal): Promise<Folded | undefined> => {
    const { row, settings, provider } = await deps.agents.loadForTurn(ctx, conversation.agentId);
    if (!settings.model.providerId) return { text: extractiveSummary(conversation.runningSummary, messages) };
    try {
      const { connection, model } = await deps.aiProviders.resolveAgentModel(ctx, { providerId: settings.model.providerId, model: settings.model.model, row: provider });
      const prompt = summaryPrompt({ agentName: row.name, language: row.language, previous: conversation.runningSummary, messages });
      const answer = await deps.llm.generateText(connection, { ...prompt, model, temperature: SUMMARY_TEMPERATURE, maxOutputTokens: SUMMARY_MAX_OUTPUT_TOKENS, signal });
      const text = answer.text.trim();
      if (!text) throw new LlmError('unavailable', 'the provider answered with no text');
      return { text: clip(text, MAX_SUMMARY_CHARS), usage: answer.usage };
    } catch (error) {
      const failure = error instanceof LlmError ? { kind: error.kind, status: error.status, reason: error.message } : { err: error };
      log.warn({ tenant_id: ctx.tenantId, conversation_id: conversation.id, ...failure }, 'conversation summary failed; the previous summary is kept');
      return undefined;
    }
  };

  return [
    defineJob({
      name: CHAT_JOB.foldSummary,
      payload: ZFoldSummaryPayload,
      maxAttempts: 3,
      // Idempotent: it folds only messages past the stored count, and stores only if that count has not moved.
      handler: async (payload, run) => {
        const ctx = run.ctx!;
        const repo = createConversationSummaryRepo(deps.db).forTenant(ctx);
        for (let round = 0; round < MAX_ROUNDS; round++) {
          const conversation = await repo.findConversation(payload.conversationId);
          if (!conversation) return;
          const outside = (await repo.countTurnMessages(conversation.id)) - deps.config.historyWindow - conversation.summarizedCount;
          if (outside <= 0) return;
          const messages = await repo.turnMessagesFrom(conversation.id, conversation.summarizedCount, Math.min(outside, MAX_FOLD_MESSAGES));
          const folded = await fold(ctx, conversation, messages, run.signal);
          if (!folded) return;
          const isSaved = await withTx(deps.db, async (tx) => {
            const txRepo = createConversationSummaryRepo(tx).forTenant(ctx);
            if (folded.usage) await txRepo.meterTokens(conversation.agentId, folded.usage);
            return txRepo.saveSummary(conversation.id, { text: folded.text, summarizedCount: conversation.summarizedCount + messages.length, expectedCount: conversation.summarizedCount });
          });
          if (!isSaved) return;
        }
      },
    }),
  ];
};
