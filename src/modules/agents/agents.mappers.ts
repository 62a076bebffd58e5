import type { AgentRow } from './agents.repo.js';
import { ZFallbackConfig, ZModelConfig, ZPersonality, ZRetrievalConfig, type TAgent } from './agents.schemas.js';

/** Settings as the runtime uses them: stored JSON completed with today's defaults. */
export const settingsOf = (row: AgentRow) => ({
  model: ZModelConfig.parse({ ...row.model, providerId: row.providerId }),
  retrieval: ZRetrievalConfig.parse(row.retrieval),
  fallback: ZFallbackConfig.parse(row.fallback),
  personality: ZPersonality.catch('PROFESSIONAL').parse(row.personality),
});
export type AgentSettings = ReturnType<typeof settingsOf>;

export const toAgent = (row: AgentRow, knowledgeBaseIds: string[]): TAgent => {
  const settings = settingsOf(row);
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    status: row.status,
    personality: settings.personality,
    language: row.language,
    greeting: row.greeting,
    systemPrompt: row.systemPrompt,
    model: settings.model,
    retrieval: settings.retrieval,
    fallback: settings.fallback,
    knowledgeBaseIds,
    publishedAt: row.publishedAt?.toISOString() ?? null,
    trainingStartedAt: row.trainingStartedAt?.toISOString() ?? null,
    trainedAt: row.trainedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
};
