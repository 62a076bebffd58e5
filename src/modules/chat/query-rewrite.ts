import { tokenize } from '../retrieval/tokenizer.js';
import { FUNCTION_WORDS } from './query-terms.js';

// Words that point back to something said earlier: a question holding one rarely stands on its own.
const ANAPHORA = new Set(['it', 'its', 'that', 'this', 'those', 'these', 'they', 'them', 'their', 'there', 'he', 'she', 'his', 'her', 'one', 'ones', 'same', 'else', 'also']);
// A question with this few content terms ("and on Sundays?") leans on the previous turn.
const SHORT_QUESTION_TERMS = 3;
const MAX_ADDED_WORDS = 6;

const surfaceWords = (text: string) => text.split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/**
 * Lexical follow-up rewriting (no LLM needed): when a question looks like a follow-up, the key words of the
 * previous user turn join the query, so "how long should it be?" after "strong password rules" retrieves
 * password passages. Returns the question unchanged when it stands alone.
 */
export const rewriteFollowUp = (question: string, previousUserTurns: readonly string[]): { query: string; isRewritten: boolean } => {
  const previous = previousUserTurns.at(-1);
  if (!previous) return { query: question, isRewritten: false };
  const words = surfaceWords(question.toLowerCase());
  const terms = new Set(tokenize(question));
  const topical = words.filter((word) => !FUNCTION_WORDS.has(word) && tokenize(word).length > 0);
  const isFollowUp = words.some((word) => ANAPHORA.has(word)) || topical.length <= SHORT_QUESTION_TERMS;
  if (!isFollowUp) return { query: question, isRewritten: false };
  const added: string[] = [];
  for (const word of surfaceWords(previous)) {
    const [term] = tokenize(word);
    const lower = word.toLowerCase();
    if (!term || terms.has(term) || ANAPHORA.has(lower) || FUNCTION_WORDS.has(lower)) continue;
    terms.add(term);
    added.push(word);
    if (added.length >= MAX_ADDED_WORDS) break;
  }
  return added.length === 0 ? { query: question, isRewritten: false } : { query: `${question} ${added.join(' ')}`, isRewritten: true };
};
