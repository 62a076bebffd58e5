import { tokenize } from '../retrieval/tokenizer.js';
import { coverage, weightedQueryTerms } from './query-terms.js';

const BEST_PASSAGES = 3;

// Retrieval's result cache hands back the same passage objects for a repeated question: each is tokenized once.
const termsSeen = new WeakMap<object, Set<string>>();
const termsOf = (passage: { documentTitle: string; headings?: readonly string[]; content: string }) => {
  let terms = termsSeen.get(passage);
  if (!terms) {
    terms = new Set(tokenize([passage.documentTitle, ...(passage.headings ?? []), passage.content].join(' ')));
    termsSeen.set(passage, terms);
  }
  return terms;
};

/**
 * How well the retrieved passages cover the query, 0..1: mostly the best single passage's share of the query's
 * topical terms (names weigh more), partly the share all top passages cover together. Independent of the retrieval
 * score's scale (BM25F or RRF), so one threshold works in lexical and hybrid mode.
 */
export const retrievalConfidence = (query: string, passages: readonly { documentTitle: string; headings?: readonly string[]; content: string }[]): number => {
  const terms = weightedQueryTerms(query);
  if (terms.size === 0 || passages.length === 0) return 0;
  const union = new Set<string>();
  let best = 0;
  for (const passage of passages.slice(0, BEST_PASSAGES)) {
    const present = termsOf(passage);
    for (const term of present) union.add(term);
    best = Math.max(best, coverage(terms, present));
  }
  const score = 0.7 * best + 0.3 * coverage(terms, union);
  // A name no passage mentions means the passages are about something else ("the capital of Australia" is not
  // answered by a text about the capital of the United States), however much else they share with the question.
  const isNameMissing = [...terms].some(([term, weight]) => weight > 1 && !union.has(term));
  return Math.round((isNameMissing ? score / 2 : score) * 100) / 100;
};
