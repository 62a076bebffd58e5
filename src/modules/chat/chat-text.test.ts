import { describe, expect, it } from 'vitest';

import type { ChatSource } from './chat.events.js';
import { retrievalConfidence } from './confidence.js';
import { isHumanRequest, messageSignals } from './escalation-signals.js';
import { extractiveAnswer } from './extractive.js';
import { buildPrompt, citedSources } from './prompt.js';
import { rewriteFollowUp } from './query-rewrite.js';

const source = (ref: number, content: string, documentTitle = `Doc ${ref}`): ChatSource => ({
  ref,
  chunkId: `00000000-0000-7000-8000-00000000000${ref}`,
  documentId: `10000000-0000-7000-8000-00000000000${ref}`,
  knowledgeBaseId: '20000000-0000-7000-8000-000000000000',
  documentTitle,
  sourceUrl: null,
  content,
  snippet: content,
  relevance: 1 / ref,
});

describe('rewriteFollowUp', () => {
  it('adds the previous question\'s key words to a follow-up that leans on it', () => {
    const { query, isRewritten } = rewriteFollowUp('How long should it be?', ['What makes a strong password?']);
    expect(isRewritten).toBe(true);
    expect(query).toBe('How long should it be? makes strong password');
  });

  it('leaves a question that stands alone, or one without history, unchanged', () => {
    expect(rewriteFollowUp('Which payment methods do you accept for international orders?', ['Where is my parcel?'])).toEqual({
      query: 'Which payment methods do you accept for international orders?',
      isRewritten: false,
    });
    expect(rewriteFollowUp('And on Sundays?', [])).toEqual({ query: 'And on Sundays?', isRewritten: false });
  });
});

describe('retrievalConfidence', () => {
  it('is the share of query terms the passages cover, 0 with nothing retrieved', () => {
    expect(retrievalConfidence('strong password length', [source(1, 'A strong password has a length of 15.')])).toBe(1);
    expect(retrievalConfidence('capital of Australia', [source(1, 'A strong password has a length of 15.')])).toBe(0);
    expect(retrievalConfidence('strong password', [])).toBe(0);
    const partial = retrievalConfidence('strong password rotation policy', [source(1, 'Use a strong password.')]);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(1);
  });

  it('ignores question words and weighs names, so passages missing the name score low', () => {
    expect(retrievalConfidence('How old must a senator be?', [source(1, 'No Person shall be a Senator who shall not have attained to the Age of thirty Years.')])).toBeGreaterThanOrEqual(0.5);
    expect(retrievalConfidence('What is the capital city of Australia?', [source(1, 'Congress was held at the City of New-York, the capital.')])).toBeLessThan(0.4);
  });
});

describe('extractiveAnswer', () => {
  const sources = [
    source(1, 'Support is open on weekdays. Use a password manager to generate a password of at least 15 characters.', 'Passwords'),
    source(2, 'Never share your password, even with a potential collaborator.', 'Sharing'),
  ];

  it('quotes the sentences that best match the question, citing their source numbers', () => {
    const { content, cited } = extractiveAnswer('How many characters should a password have?', sources, 'SHORT');
    expect(content).toBe('Here is what I found in "Passwords":\n\n> Use a password manager to generate a password of at least 15 characters. [1]');
    expect(cited.map((item) => item.ref)).toEqual([1]);
    expect(extractiveAnswer('password', sources, 'MEDIUM').cited.map((item) => item.ref)).toEqual([1, 2]);
  });

  it('says nothing rather than quoting passages that do not match', () => {
    expect(extractiveAnswer('capital of Australia', sources, 'LONG')).toEqual({ content: '', cited: [] });
  });
});

describe('prompt', () => {
  it('numbers the sources with their chunk ids and ends with the question after the history', () => {
    const sources = [source(1, 'Fifteen characters.')];
    const prompt = buildPrompt({
      agentName: 'Ada', systemPrompt: 'You work for Acme.', personality: 'FRIENDLY', responseLength: 'SHORT', language: 'fr',
      sources, history: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }], question: 'How long?',
    });
    expect(prompt.system).toContain('You are Ada');
    expect(prompt.system).toContain('You work for Acme.');
    expect(prompt.system).toContain(`[1] (chunk ${sources[0]!.chunkId}) Doc 1\nFifteen characters.`);
    expect(prompt.system).toContain('"fr"');
    expect(prompt.messages).toEqual([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }, { role: 'user', content: 'How long?' }]);
  });

  it('keeps only citations of sources that were given', () => {
    const sources = [source(1, 'a'), source(2, 'b')];
    expect(citedSources('See [2] and [7], also [2].', sources).map((item) => item.ref)).toEqual([2]);
  });
});

describe('escalation signals', () => {
  const rules = { onHumanRequest: true, keywords: ['refund', 'Lawyer'], onNegativeSentiment: true };

  it('recognises requests for a human', () => {
    for (const message of ['Can I talk to a human?', 'I want to speak with someone', 'live agent please', 'Representative!']) expect(isHumanRequest(message), message).toBe(true);
    for (const message of ['How do humans choose passwords?', 'What does an agent do?']) expect(isHumanRequest(message), message).toBe(false);
  });

  it('fires keyword and negative-sentiment triggers', () => {
    expect(messageSignals('I want a REFUND, my lawyer agrees', rules)).toEqual([{ trigger: 'KEYWORD', details: { keywords: ['refund', 'Lawyer'] } }]);
    expect(messageSignals('This is terrible and useless', rules).map((signal) => signal.trigger)).toEqual(['NEGATIVE_SENTIMENT']);
    expect(messageSignals('This is terrible and useless', { ...rules, onNegativeSentiment: false })).toEqual([]);
  });
});
