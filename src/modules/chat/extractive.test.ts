import { readFileSync } from 'node:fs';

import { beforeAll, describe, expect, it } from 'vitest';

import { chunkDocument } from '../ingestion/chunker.js';
import { parseDocument } from '../ingestion/parsers/index.js';
import { tokenize } from '../retrieval/tokenizer.js';
import type { ChatSource } from './chat.events.js';
import { extractiveAnswer } from './extractive.js';
import { weightedQueryTerms } from './query-terms.js';
import { sentencesOf } from './sentences.js';

const FIXTURES = new URL('../../../test/fixtures/docs/', import.meta.url);

/** A fixture parsed and chunked as ingestion does it (the knowledge base defaults: 512 tokens, 64 overlap). */
const chunksOf = async (path: string) => {
  const document = await parseDocument({ bytes: new Uint8Array(readFileSync(new URL(path, FIXTURES))), filename: path.split('/').at(-1)! });
  return chunkDocument(document, { chunkSize: 512, chunkOverlap: 64 }).map((chunk) => chunk.content);
};

/**
 * A stand-in for retrieval: the top 5 chunks by idf-weighted overlap with the question's topical terms. The real
 * ranking (BM25F + RM3) is tested in the retrieval suites; here only the passages handed to the responder matter.
 */
const retrieve = (question: string, chunks: string[], title: string): ChatSource[] => {
  const terms = [...weightedQueryTerms(question).keys()];
  const chunkTerms = chunks.map((chunk) => new Set(tokenize(chunk)));
  const idf = (term: string) => Math.log(1 + chunks.length / Math.max(1, chunkTerms.filter((set) => set.has(term)).length));
  return chunks
    .map((content, index) => ({ content, index, score: terms.reduce((sum, term) => sum + (chunkTerms[index]!.has(term) ? idf(term) : 0), 0) }))
    .filter((chunk) => chunk.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, 5)
    .map((chunk, rank) => ({
      ref: rank + 1,
      chunkId: `chunk-${chunk.index}`,
      documentId: 'document',
      knowledgeBaseId: 'knowledge-base',
      documentTitle: title,
      sourceUrl: null,
      content: chunk.content,
      snippet: chunk.content.slice(0, 200),
      relevance: chunk.score,
    }));
};

/** The quoted sentences of an extractive answer, without the "> " and the "[n]" marker. */
const quotes = (content: string) => [...content.matchAll(/^> (.*) \[\d+\]$/gm)].map((match) => match[1]!);

describe('extractive answers over real documents', () => {
  const documents: Record<string, string[]> = {};
  beforeAll(async () => {
    for (const path of ['pdf/us_constitution.pdf', 'md/github-docs-creating-a-strong-password.md', 'html/wikipedia-mozilla-readability-expected.html', 'docx/handbook-1p.docx', 'md/readability-README.md']) {
      documents[path] = await chunksOf(path);
    }
  });

  const cases: { path: string; question: string; answer: RegExp }[] = [
    // "old" is nowhere in the text: the age is found through the "how old" cue and the number in the sentence.
    { path: 'pdf/us_constitution.pdf', question: 'How old must a senator be?', answer: /Senator who shall not have attained to the Age of thirty Years/ },
    // One clause of Congress's long list of powers, not the treason clause that shares "Power", "declare" and "War".
    { path: 'pdf/us_constitution.pdf', question: 'Who has the power to declare war?', answer: /^To declare War/ },
    { path: 'md/github-docs-creating-a-strong-password.md', question: 'How many characters should a strong password have?', answer: /15 characters/ },
    // Every passage says "Mozilla"; the rarer "founded"/"created" and the year decide.
    { path: 'html/wikipedia-mozilla-readability-expected.html', question: 'When was Mozilla founded?', answer: /1998/ },
    // "28 U.S.C. § 586" does not end the sentence, so the quote holds what the Handbook does.
    { path: 'docx/handbook-1p.docx', question: 'What does the Handbook establish?', answer: /^The Handbook, issued as part of our duties under 28 U\.S\.C\. § 586, establishes or clarifies the position/ },
    // A line announcing a code block is quoted with the command it announces.
    { path: 'md/readability-README.md', question: 'How do I install Readability?', answer: /npm install @mozilla\/readability/ },
  ];

  for (const { path, question, answer } of cases) {
    it(`answers "${question}" from ${path.split('/').at(-1)} with the sentence holding the answer`, () => {
      const sources = retrieve(question, documents[path]!, path);
      expect(sources.length).toBeGreaterThan(0);
      const short = extractiveAnswer(question, sources, 'SHORT');
      expect(short.content).toMatch(/^Here is what I found in "/);
      const [quote] = quotes(short.content);
      expect(quote, short.content).toMatch(answer);
      // The citation names the passage the quote came from.
      expect(short.cited).toHaveLength(1);
      expect(short.cited[0]!.content.replace(/\s+/g, ' ')).toContain(quote!.slice(0, 30).replace(/…$/, ''));
      expect(short.content).toContain(`[${short.cited[0]!.ref}]`);
    });
  }

  it('bounds the answer by the response length and quotes in passage order', () => {
    const question = 'How many characters should a strong password have?';
    const sources = retrieve(question, documents['md/github-docs-creating-a-strong-password.md']!, 'Passwords');
    const long = quotes(extractiveAnswer(question, sources, 'LONG').content);
    const medium = quotes(extractiveAnswer(question, sources, 'MEDIUM').content);
    expect(medium).toHaveLength(2);
    expect(long.length).toBeGreaterThanOrEqual(medium.length);
    expect(long.length).toBeLessThanOrEqual(4);
    const text = sources[0]!.content.replace(/\s+/g, ' ');
    const positions = medium.map((quote) => text.indexOf(quote.slice(0, 25)));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('cuts a very long sentence around the question terms, marked with ellipses', () => {
    // The Fifth Amendment is one 589-character sentence; the takings clause is its last words.
    const question = 'What compensation is due when private property is taken for public use?';
    const sources = retrieve(question, documents['pdf/us_constitution.pdf']!, 'Constitution');
    const [quote] = quotes(extractiveAnswer(question, sources, 'SHORT').content);
    expect(quote!.length).toBeLessThanOrEqual(322);
    expect(quote).toMatch(/^….*nor shall private property be taken for public use, without just compensation\.$/);
  });
});

describe('sentencesOf', () => {
  it('keeps abbreviations, citations and initials inside their sentence', () => {
    expect(sentencesOf('See 28 U.S.C. § 586. The Handbook applies, e.g. to trustees. Dr. Smith and J. R. Doe agree.').map((s) => s.text)).toEqual([
      'See 28 U.S.C. § 586.',
      'The Handbook applies, e.g. to trustees.',
      'Dr. Smith and J. R. Doe agree.',
    ]);
  });

  it('joins hard-wrapped lines, splits list items, table rows and code lines, and drops Markdown syntax', () => {
    const text = [
      '# Install',
      'Readability is available',
      'on **npm**:',
      '```bash',
      'npm install @mozilla/readability',
      '```',
      '- Use a [password manager](https://example.com/pm) to generate',
      '  a long password.',
      '| Founded | February 28, 1998 |',
      '| --- | --- |',
    ].join('\n');
    expect(sentencesOf(text).map((s) => [s.text, s.isLabel])).toEqual([
      ['Readability is available on npm:', false],
      ['npm install @mozilla/readability', true],
      ['Use a password manager to generate a long password.', false],
      ['Founded | February 28, 1998', false],
    ]);
  });
});
