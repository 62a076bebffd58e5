import { describe, expect, it } from 'vitest';

import { buildPrompt } from './prompt.js';
import { extractiveSummary, isFoldDue, MAX_SUMMARY_CHARS, summaryPrompt, type FoldedMessage } from './summary.js';

const exchange = (question: string, answer: string, mode = 'generative'): FoldedMessage[] => [
  { role: 'user', content: question },
  { role: 'assistant', content: answer, mode },
];

describe('isFoldDue', () => {
  it('is due once the stored messages plus the turn leave uncovered ones outside the window', () => {
    expect(isFoldDue({ messageCount: 0, summarizedCount: 0 }, 2, 4)).toBe(false);
    expect(isFoldDue({ messageCount: 2, summarizedCount: 0 }, 2, 4)).toBe(false);
    expect(isFoldDue({ messageCount: 4, summarizedCount: 0 }, 2, 4)).toBe(true);
    expect(isFoldDue({ messageCount: 6, summarizedCount: 2 }, 2, 4)).toBe(true);
    expect(isFoldDue({ messageCount: 6, summarizedCount: 4 }, 2, 4)).toBe(false);
  });
});

describe('extractiveSummary', () => {
  it("keeps the customer's questions and the gist of each answer, without citation markers", () => {
    const summary = extractiveSummary(null, [
      ...exchange('Hi! I bought a Model X kettle last week. How do I descale it?', 'Fill it with vinegar and water [1]. Boil it twice, then rinse [2]. Repeat monthly.'),
      ...exchange('Where is my parcel?', "I'm sorry, I don't have enough information to answer that.", 'fallback'),
      ...exchange('How long should a password be?', 'Here is what I found in "Passwords":\n\n> Use a password manager to generate a password of at least 15 characters. [1]', 'extractive'),
    ]);
    expect(summary).toBe(
      [
        '- Customer: How do I descale it?',
        '  Agent: Fill it with vinegar and water. Boil it twice, then rinse.',
        '- Customer: Where is my parcel?',
        '  Agent: (no answer from the knowledge base; the fallback message was sent)',
        '- Customer: How long should a password be?',
        '  Agent: quoted "Use a password manager to generate a password of at least 15 characters."',
      ].join('\n'),
    );
  });

  it('appends to the previous summary and stays bounded, keeping the first exchange and the latest ones', () => {
    let summary: string | null = null;
    for (let turn = 1; turn <= 40; turn++) summary = extractiveSummary(summary, exchange(`Question number ${turn}: what about item ${turn}?`, `Item ${turn} ships in ${turn} days.`));
    expect(summary!.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    const lines = summary!.split('\n');
    expect(lines[0]).toBe('- Customer: Question number 1: what about item 1?');
    expect(lines).toContain('- … (earlier exchanges omitted)');
    expect(lines.at(-1)).toBe('  Agent: Item 40 ships in 40 days.');
    expect(summary!.match(/earlier exchanges omitted/g)).toHaveLength(1);
  });
});

describe('summary prompts', () => {
  it('asks the model to fold the messages into the previous summary', () => {
    const prompt = summaryPrompt({ agentName: 'Ada', language: 'fr', previous: 'The customer wants a refund.', messages: exchange('Order 123?', 'It shipped.') });
    expect(prompt.system).toContain('Ada');
    expect(prompt.system).toContain('"fr"');
    expect(prompt.messages).toEqual([{ role: 'user', content: 'Summary so far:\nThe customer wants a refund.\n\nMessages to fold into it, oldest first:\nCustomer: Order 123?\n\nAssistant: It shipped.' }]);
  });

  it('puts the running summary in the system prompt, before the window, only when there is one', () => {
    const base = { agentName: 'Ada', systemPrompt: null, personality: 'FRIENDLY', responseLength: 'SHORT', language: 'en', sources: [], history: [{ role: 'user', content: 'Hi' }], question: 'And now?' } as const;
    const withSummary = buildPrompt({ ...base, summary: '- Customer: order 123 is late' });
    expect(withSummary.system).toMatch(/Summary of the earlier conversation[^\n]*\n- Customer: order 123 is late$/);
    expect(withSummary.messages).toEqual([{ role: 'user', content: 'Hi' }, { role: 'user', content: 'And now?' }]);
    expect(buildPrompt({ ...base, summary: null }).system).not.toContain('Summary of the earlier conversation');
  });
});
