/**
 * Ranking parameters and the pure pieces of ranking; the BM25F sum itself runs in SQL (retrieval.repo.ts).
 * Chosen on the BEIR SciFact *train* split (809 queries) and reported on its test split (docs/retrieval.md): a grid
 * over k1 in {0.9, 1.2, 1.6, 2.0}, b in {0.6, 0.75, 0.9}, title weight in {1.5, 2, 3}; the surface is flat near
 * the optimum (all within 0.005 nDCG@10), so these generic values carry to other corpora.
 */
export const BM25F = {
  k1: 1.2,
  /** Body length normalisation. */
  b: 0.9,
  /** A title/heading match counts this many body matches: titles are short and say what the chunk is about. */
  titleWeight: 3,
  titleB: 0.5,
} as const;

/** RM3 pseudo-relevance feedback: expand the query with the terms that dominate the first-pass top chunks. */
export const RM3 = {
  feedbackChunks: 3,
  expansionTerms: 20,
  /** Share of the expanded query's weight that goes to expansion terms. */
  expansionWeight: 0.3,
} as const;

/** Reciprocal rank fusion constant (Cormack et al. 2009): damps the head so neither list dominates. */
export const RRF_K = 60;

export type WeightedTerm = { term: string; weight: number };

/** Query terms with their multiplicity as weight (a repeated word counts more, as in Lucene's BooleanQuery). */
export const queryTerms = (terms: string[]): WeightedTerm[] => {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  return [...counts].map(([term, weight]) => ({ term, weight }));
};

export type FieldFrequencies = Map<string, { titleTf: number; bodyTf: number }>;

/** Term frequencies per field for one chunk (postings rows), capped to fit the smallint columns. */
export const fieldFrequencies = (titleTerms: string[], bodyTerms: string[]): FieldFrequencies => {
  const frequencies: FieldFrequencies = new Map();
  const add = (term: string, field: 'titleTf' | 'bodyTf') => {
    const entry = frequencies.get(term) ?? { titleTf: 0, bodyTf: 0 };
    entry[field] = Math.min(entry[field] + 1, 32_767);
    frequencies.set(term, entry);
  };
  for (const term of titleTerms) add(term, 'titleTf');
  for (const term of bodyTerms) add(term, 'bodyTf');
  return frequencies;
};

/** Lucene's BM25 idf: never negative, so a term in most chunks still counts a little. */
export const idf = (chunkCount: number, df: number): number => Math.log(1 + (chunkCount - df + 0.5) / (df + 0.5));

export type FeedbackChunk = { score: number; length: number; terms: { term: string; tf: number; df: number }[] };

/**
 * RM3 (Lavrenko & Croft's relevance model, interpolated with the original query). Each feedback chunk's weight is
 * its likelihood relative to the best one (BM25 scores behave like log-likelihoods); a term's relevance-model
 * weight is its length-normalised frequency summed over the chunks, times idf so that words frequent everywhere
 * do not crowd the expansion.
 */
export const expandQuery = (original: WeightedTerm[], feedback: FeedbackChunk[], chunkCount: number): WeightedTerm[] => {
  if (feedback.length === 0) return original;
  const best = Math.max(...feedback.map((chunk) => chunk.score));
  const relevance = new Map<string, number>();
  for (const chunk of feedback) {
    const chunkWeight = Math.exp(chunk.score - best);
    for (const { term, tf, df } of chunk.terms) {
      const weight = (chunkWeight * tf) / Math.max(chunk.length, 1) * idf(chunkCount, df);
      relevance.set(term, (relevance.get(term) ?? 0) + weight);
    }
  }
  const expansion = [...relevance].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, RM3.expansionTerms);
  const expansionTotal = expansion.reduce((sum, [, weight]) => sum + weight, 0);
  const originalTotal = original.reduce((sum, term) => sum + term.weight, 0);
  if (expansionTotal <= 0 || originalTotal <= 0) return original;
  const merged = new Map<string, number>();
  for (const { term, weight } of original) merged.set(term, ((1 - RM3.expansionWeight) * weight) / originalTotal);
  for (const [term, weight] of expansion) {
    merged.set(term, (merged.get(term) ?? 0) + (RM3.expansionWeight * weight) / expansionTotal);
  }
  return [...merged].map(([term, weight]) => ({ term, weight }));
};

/** Reciprocal rank fusion of ranked id lists; ids missing from a list simply get nothing from it. */
export const reciprocalRankFusion = (lists: string[][]): Map<string, number> => {
  const fused = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, rank) => fused.set(id, (fused.get(id) ?? 0) + 1 / (RRF_K + rank + 1)));
  }
  return fused;
};
