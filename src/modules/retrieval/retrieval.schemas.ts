import { z } from 'zod';

export const ZKnowledgeBaseIdParams = z.object({ id: z.uuid() });

export const ZSearchBody = z.object({
  query: z.string().trim().min(1).max(2000),
  topK: z.coerce.number().int().min(1).max(100).default(10),
  minScore: z.number().min(0).optional(),
  documentIds: z.array(z.uuid()).max(500).optional(),
  metadata: z.record(z.string().min(1).max(100), z.string().max(1000)).optional(),
});
export type TSearchBody = z.infer<typeof ZSearchBody>;

export const ZSearchInput = ZSearchBody.extend({ knowledgeBaseIds: z.array(z.uuid()).min(1).max(50) });
export type TSearchInput = z.input<typeof ZSearchInput>;

export const ZSearchResult = z
  .object({
    chunkId: z.uuid(),
    documentId: z.uuid(),
    knowledgeBaseId: z.uuid(),
    documentTitle: z.string(),
    sourceUrl: z.string().nullable(),
    content: z.string(),
    headings: z.array(z.string()),
    snippet: z.string().describe('HTML-escaped excerpt; matched words are wrapped in <mark>'),
    score: z.number(),
  })
  .meta({ id: 'SearchResult' });
export type TSearchResult = z.infer<typeof ZSearchResult>;

export const ZSearchResponse = z
  .object({
    mode: z.enum(['lexical', 'hybrid']).describe('hybrid when vectors took part; lexical alone when none are configured or the provider failed'),
    results: z.array(ZSearchResult),
  })
  .meta({ id: 'SearchResponse' });
export type TSearchResponse = z.infer<typeof ZSearchResponse>;

export const ZRetrievalStats = z
  .object({
    chunksIndexed: z.number().int(),
    chunksEmbedded: z.number().int().describe('chunks with a vector of the configured model'),
    embeddingModel: z.string().nullable(),
    byModel: z.array(z.object({ model: z.string(), dimensions: z.number().int(), chunks: z.number().int() })),
  })
  .meta({ id: 'RetrievalStats' });
export type TRetrievalStats = z.infer<typeof ZRetrievalStats>;
