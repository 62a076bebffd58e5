import type { EscalationTrigger } from '../../db/schema.js';

/** A retrieved passage the answer may cite; `relevance` is the retrieval score. */
export type ChatSource = {
  /** The number the prompt and the answer use for it: [1], [2], ... */
  ref: number;
  chunkId: string;
  documentId: string;
  knowledgeBaseId: string;
  documentTitle: string;
  sourceUrl: string | null;
  content: string;
  snippet: string;
  relevance: number;
};

export type AnswerMode = 'generative' | 'extractive' | 'fallback';

export type TurnResult = {
  conversationId: string | null;
  messageId: string | null;
  content: string;
  mode: AnswerMode;
  confidence: number;
  /** Chunk ids the answer cites; always a subset of the chunks retrieved in this turn. */
  citations: string[];
  tokens: { input: number; output: number };
  latencyMs: number;
  escalations: EscalationTrigger[];
  /** The query retrieval ran with, after follow-up rewriting. */
  retrievalQuery: string | null;
};

/** What one turn produces, in order: sources, then tokens, then exactly one `done` (unless aborted). */
export type ChatEvent =
  | { type: 'sources'; sources: ChatSource[] }
  | { type: 'token'; text: string }
  | { type: 'escalation'; trigger: EscalationTrigger; details: Record<string, unknown> }
  | { type: 'error'; code: 'AI_SERVICE_UNAVAILABLE' | 'INTERNAL_ERROR'; message: string }
  | { type: 'done'; result: TurnResult };

export type CitedSource = Pick<ChatSource, 'chunkId' | 'documentId' | 'documentTitle' | 'sourceUrl'>;

/** The sources an answer cites, in citation order, from the sources its turn retrieved. */
export const citedSources = (result: Pick<TurnResult, 'citations'>, sources: readonly ChatSource[]): CitedSource[] => {
  const byChunk = new Map(sources.map((source) => [source.chunkId, source]));
  return result.citations.flatMap((chunkId) => {
    const source = byChunk.get(chunkId);
    return source ? [{ chunkId, documentId: source.documentId, documentTitle: source.documentTitle, sourceUrl: source.sourceUrl }] : [];
  });
};
