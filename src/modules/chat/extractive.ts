import type { TResponseLength } from '../agents/agents.schemas.js';
import { tokenize } from '../retrieval/tokenizer.js';
import type { ChatSource } from './chat.events.js';
import { weightedQueryTerms } from './query-terms.js';
import { sentencesOf } from './sentences.js';

const QUOTES: Record<TResponseLength, number> = { SHORT: 1, MEDIUM: 2, LONG: 4 };
const MAX_QUOTE_CHARS = 320;
// A further quote must score at least this share of the best one: fewer, better quotes rather than padding.
const FURTHER_QUOTE_FLOOR = 0.6;
// Added to a sentence of the passage ranked r (from 0): retrieval ranked the whole passage, so near-ties go to the
// better passage.
const TOP_PASSAGE_BONUS = 0.1;
const NUMBER_BONUS = 0.15;
const LABEL_FACTOR = 0.5;
const LONG_SENTENCE_WORDS = 40;
const LONG_SENTENCE_PENALTY = 0.05;
// Cue words weigh this share of a question word, and only help: a sentence without them loses nothing.
const CUE_WEIGHT = 0.5;

// Words an answer uses that the question does not: "how old" is answered with an age, "how much" with a price.
const CUES: [RegExp, string[]][] = [
  [/\bhow old\b/i, ['age', 'aged']],
  [/\bhow much\b|\bcost\b|\bprice\b/i, ['price', 'cost', 'fee', 'charge']],
];
const ASKS_FOR_NUMBER = /\b(how (many|much|long|old|often|far|soon|big|large)|when|what (year|date|time|age)|which year)\b/i;
const HAS_NUMBER = /\p{N}|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|million|billion)\b/iu;

type Candidate = { source: ChatSource; rank: number; position: number; text: string; terms: Set<string>; isLabel: boolean; score: number };

/**
 * Question terms weighted by how rare they are among the retrieved sentences (an idf over this small set): in
 * passages that all say "Mozilla", the word that singles out the answer is "founded".
 */
const termWeights = (query: string, candidates: readonly Candidate[]) => {
  const weigh = (term: string, weight: number) => {
    const df = candidates.filter((candidate) => candidate.terms.has(term)).length;
    return weight * Math.log(1 + candidates.length / Math.max(df, 1));
  };
  const required = new Map([...weightedQueryTerms(query)].map(([term, weight]) => [term, weigh(term, weight)]));
  const cues = new Map<string, number>();
  for (const [pattern, words] of CUES) {
    if (!pattern.test(query)) continue;
    for (const [term] of words.map((word) => tokenize(word))) if (term && !required.has(term)) cues.set(term, weigh(term, CUE_WEIGHT));
  }
  return { required, cues };
};

/** The part of a long sentence holding the most weight of distinct question terms, cut at words, with ellipses. */
const excerpt = (text: string, weights: ReadonlyMap<string, number>) => {
  if (text.length <= MAX_QUOTE_CHARS) return text;
  const words = [...text.matchAll(/\S+/g)].map((match) => ({ start: match.index, end: match.index + match[0].length, terms: tokenize(match[0]).filter((term) => weights.has(term)) }));
  let best = { from: 0, to: 1, weight: -1 };
  for (let from = 0; from < words.length; from++) {
    const held = new Set<string>();
    let to = from;
    for (; to < words.length && words[to]!.end - words[from]!.start <= MAX_QUOTE_CHARS; to++) for (const term of words[to]!.terms) held.add(term);
    const weight = [...held].reduce((sum, term) => sum + weights.get(term)!, 0);
    if (weight > best.weight) best = { from, to: Math.max(to, from + 1), weight };
  }
  const slice = text.slice(words[best.from]!.start, words[best.to - 1]!.end).slice(0, MAX_QUOTE_CHARS);
  return `${best.from > 0 ? '…' : ''}${slice}${best.to < words.length ? '…' : ''}`;
};

/**
 * The built-in responder used when an agent has no LLM provider: the sentences of the retrieved passages that best
 * answer the question, quoted verbatim with their source number, in their order in the passage. A sentence scores
 * by the idf-weighted share of the question's terms it holds, plus small preferences: the better-ranked passage, a
 * number when the question asks "how many / how long / when", prose over headings, and shorter over rambling.
 * Honest by construction: it can only repeat what the knowledge base says.
 */
export const extractiveAnswer = (query: string, sources: readonly ChatSource[], length: TResponseLength): { content: string; cited: ChatSource[] } => {
  const candidates: Candidate[] = sources.flatMap((source, rank) =>
    sentencesOf(source.content).map((sentence) => ({ source, rank, position: sentence.position, text: sentence.text, terms: new Set(tokenize(sentence.text)), isLabel: sentence.isLabel, score: 0 })),
  );
  const { required, cues } = termWeights(query, candidates);
  const total = [...required.values()].reduce((sum, weight) => sum + weight, 0);
  if (total === 0) return { content: '', cited: [] };
  const asksForNumber = ASKS_FOR_NUMBER.test(query);

  const answering = candidates.filter((candidate) => [...required.keys()].some((term) => candidate.terms.has(term)));
  for (const candidate of answering) {
    let held = 0;
    for (const [term, weight] of [...required, ...cues]) if (candidate.terms.has(term)) held += weight;
    const words = candidate.text.split(' ').length;
    let score = held / total + TOP_PASSAGE_BONUS / (1 + candidate.rank);
    if (asksForNumber && HAS_NUMBER.test(candidate.text)) score += NUMBER_BONUS;
    if (words > LONG_SENTENCE_WORDS) score -= LONG_SENTENCE_PENALTY * Math.log2(words / LONG_SENTENCE_WORDS);
    candidate.score = candidate.isLabel ? score * LABEL_FACTOR : score;
  }
  const ranked = answering.sort((a, b) => b.score - a.score || a.rank - b.rank || a.position - b.position);
  const best = ranked[0];
  if (!best) return { content: '', cited: [] };

  const chosen = [best];
  for (const candidate of ranked.slice(1)) {
    if (chosen.length >= QUOTES[length] || candidate.score < FURTHER_QUOTE_FLOOR * best.score) break;
    // Overlapping chunks repeat sentences; the better-ranked copy came first.
    if (!chosen.some((item) => item.text === candidate.text)) chosen.push(candidate);
  }

  // Quotes read in the passage's order; passages in the order of their best quote.
  const sourceOrder = [...new Set(chosen.map((item) => item.source))];
  chosen.sort((a, b) => sourceOrder.indexOf(a.source) - sourceOrder.indexOf(b.source) || a.position - b.position);
  const weights = new Map([...cues, ...required]);
  const quote = (item: Candidate) => {
    // "Readability is available on npm:" announces the next line, which is the actual answer.
    const next = item.text.endsWith(':') ? candidates.find((other) => other.source === item.source && other.position === item.position + 1) : undefined;
    const text = next && !chosen.includes(next) ? `${item.text} ${next.text}` : item.text;
    return `> ${excerpt(text, weights)} [${item.source.ref}]`;
  };
  const titles = sourceOrder.map((source) => `"${source.documentTitle}"`).filter((title, index, all) => all.indexOf(title) === index);
  return { content: `Here is what I found in ${titles.join(', ')}:\n\n${chosen.map(quote).join('\n\n')}`, cited: sourceOrder };
};
