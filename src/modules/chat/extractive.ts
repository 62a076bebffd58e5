import type { TResponseLength } from '../agents/agents.schemas.js';
import { tokenize } from '../retrieval/tokenizer.js';
import type { ChatSource } from './chat.events.js';
import { coverage, weightedQueryTerms } from './query-terms.js';

const QUOTES: Record<TResponseLength, number> = { SHORT: 1, MEDIUM: 2, LONG: 4 };
const MAX_QUOTE_CHARS = 320;
// Later passages rank lower: a tie in term overlap goes to the better retrieved passage.
const RANK_PENALTY = 0.01;

const sentencesOf = (text: string) =>
  text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((sentence) => sentence.replace(/^[\s>#*\-|•]+/, '').replace(/\s+/g, ' ').trim())
    .filter((sentence) => sentence.length >= 12);

const trim = (sentence: string) => (sentence.length > MAX_QUOTE_CHARS ? `${sentence.slice(0, MAX_QUOTE_CHARS).replace(/\s+\S*$/, '')}…` : sentence);

/**
 * The built-in responder used when an agent has no LLM provider: the sentences of the retrieved passages that share
 * most terms with the question, quoted verbatim with their source number. Honest by construction: it can only
 * repeat what the knowledge base says.
 */
export const extractiveAnswer = (query: string, sources: readonly ChatSource[], length: TResponseLength): { content: string; cited: ChatSource[] } => {
  const terms = weightedQueryTerms(query);
  const candidates = sources.flatMap((source, rank) =>
    sentencesOf(source.content).map((sentence) => {
      const share = coverage(terms, new Set(tokenize(sentence)));
      return { source, sentence, share, score: share - rank * RANK_PENALTY };
    }),
  );
  const chosen: typeof candidates = [];
  for (const candidate of candidates.filter((item) => item.share > 0).sort((a, b) => b.score - a.score)) {
    if (chosen.some((item) => item.sentence === candidate.sentence)) continue;
    chosen.push(candidate);
    if (chosen.length >= QUOTES[length]) break;
  }
  if (chosen.length === 0) return { content: '', cited: [] };
  const lines = chosen.map((item) => `> ${trim(item.sentence)} [${item.source.ref}]`);
  const cited = sources.filter((source) => chosen.some((item) => item.source === source));
  const titles = [...new Set(cited.map((source) => `"${source.documentTitle}"`))].join(', ');
  return { content: `Here is what I found in ${titles}:\n\n${lines.join('\n\n')}`, cited };
};
