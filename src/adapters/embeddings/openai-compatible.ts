import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { embedMany, type EmbeddingModel } from 'ai';

import type { EmbeddingProvider, EmbeddingsConfig } from './port.js';

const buildModel = (config: EmbeddingsConfig, fetchLike: typeof fetch): EmbeddingModel => {
  switch (config.provider) {
    case 'openai':
      return createOpenAI({ apiKey: config.apiKey, baseURL: config.baseUrl, fetch: fetchLike }).embedding(config.model);
    case 'openai-compatible':
      if (!config.baseUrl) throw new Error('EMBEDDINGS_BASE_URL is required for the openai-compatible provider');
      return createOpenAICompatible({ name: 'embeddings', baseURL: config.baseUrl, apiKey: config.apiKey, fetch: fetchLike })
        .embeddingModel(config.model);
  }
};

/**
 * Embeddings through the Vercel AI SDK. `fetchLike` must be the SSRF-guarded fetch: the base URL comes from
 * configuration, and the guard is what keeps a provider URL from reaching internal addresses.
 */
export const createOpenAiEmbeddings = (config: EmbeddingsConfig, fetchLike: typeof fetch): EmbeddingProvider => {
  const model = buildModel(config, fetchLike);
  const providerOptions = config.dimensions
    ? { openai: { dimensions: config.dimensions }, embeddings: { dimensions: config.dimensions } }
    : undefined;
  return {
    model: config.dimensions ? `${config.model}@${config.dimensions}` : config.model,
    embed: async (texts, options = {}) => {
      if (texts.length === 0) return [];
      const { embeddings } = await embedMany({
        model,
        values: texts,
        maxRetries: options.maxRetries ?? 2,
        abortSignal: options.signal,
        providerOptions,
      });
      return embeddings;
    },
  };
};
