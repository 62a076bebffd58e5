/** Turns texts into vectors. The retrieval module depends on this port only; the container picks the implementation. */
export type EmbeddingProvider = {
  /** Stored with every vector: vectors of another model are stale and get re-embedded. */
  readonly model: string;
  /** Vectors for `texts`, in order. Throws on provider failure (callers decide whether to retry or degrade). */
  embed: (texts: string[], options?: { signal?: AbortSignal; maxRetries?: number }) => Promise<number[][]>;
};

export type EmbeddingsConfig = Readonly<{
  provider: 'openai' | 'openai-compatible';
  /** Required for openai-compatible; for openai it overrides https://api.openai.com/v1. */
  baseUrl?: string;
  apiKey?: string;
  model: string;
  /** Asks the model for shorter vectors (OpenAI text-embedding-3 and compatible servers); unset = model default. */
  dimensions?: number;
  /** Texts per provider call. */
  batchSize: number;
}>;
