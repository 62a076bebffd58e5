import { tokenize } from '../retrieval/tokenizer.js';

const BEST_PASSAGES = 3;

/**
 * How well the retrieved passages cover the query, 0..1: mostly the best single passage's share of the query terms,
 * partly the share all passages cover together. Independent of the retrieval score's scale (BM25F or RRF), so one
 * threshold works in lexical and hybrid mode.
 */
export const retrievalConfidence = (query: string, passages: readonly { documentTitle: string; headings?: readonly string[]; content: string }[]): number => {
  const terms = new Set(tokenize(query));
  if (terms.size === 0 || passages.length === 0) return 0;
  const covered = new Set<string>();
  let best = 0;
  for (const passage of passages.slice(0, BEST_PASSAGES)) {
    const present = new Set(tokenize([passage.documentTitle, ...(passage.headings ?? []), passage.content].join(' ')));
    const hits = [...terms].filter((term) => present.has(term));
    for (const term of hits) covered.add(term);
    best = Math.max(best, hits.length / terms.size);
  }
  return Math.round((0.7 * best + 0.3 * (covered.size / terms.size)) * 100) / 100;
};
