import { tokenize } from '../retrieval/tokenizer.js';

/** Question and helper words carry no topic; the retrieval tokenizer keeps them (BM25's idf discounts them there). */
export const FUNCTION_WORDS = new Set([
  'what', 'which', 'who', 'whom', 'whose', 'when', 'where', 'why', 'how', 'do', 'does', 'did', 'can', 'could', 'should',
  'would', 'must', 'may', 'might', 'shall', 'i', 'me', 'my', 'you', 'your', 'we', 'our', 'us', 'about', 'have', 'has',
  'tell', 'please', 'get', 'know', 'want', 'need', 'any', 'some',
]);

// A capitalised word inside a sentence is usually a name ("Australia", "Stripe"): the most specific part of a
// question, and the part an answer must not ignore.
const NAME_WEIGHT = 3;

/** The topical terms of a question (stemmed as the index stems them), names weighing more. */
export const weightedQueryTerms = (query: string): Map<string, number> => {
  const weights = new Map<string, number>();
  const words = query.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  for (const [index, word] of words.entries()) {
    if (FUNCTION_WORDS.has(word.toLowerCase())) continue;
    const [term] = tokenize(word);
    if (!term) continue;
    const isName = index > 0 && /^\p{Lu}/u.test(word) && !/^\p{Lu}+$/u.test(word);
    weights.set(term, Math.max(weights.get(term) ?? 0, isName ? NAME_WEIGHT : 1));
  }
  return weights;
};

/** The weighted share of the query's terms present in `terms`. */
export const coverage = (query: Map<string, number>, terms: ReadonlySet<string>): number => {
  let total = 0;
  let present = 0;
  for (const [term, weight] of query) {
    total += weight;
    if (terms.has(term)) present += weight;
  }
  return total === 0 ? 0 : present / total;
};
