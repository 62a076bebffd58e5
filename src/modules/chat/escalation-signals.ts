import type { EscalationTrigger } from '../../db/schema.js';

const HUMAN_REQUEST = [
  /\b(talk|speak|chat)\s+(to|with)\s+(a\s+|an\s+|some\s*one\s*|somebody\s*)?(human|person|agent|representative|operator|real\s+person|someone|somebody)\b/i,
  /\b(human|live|real)\s+(agent|person|support|operator)\b/i,
  /\bcustomer\s+(service|support)\s+(agent|representative)\b/i,
  /\b(representative|operator)\s*(please|!|\?|$)/i,
];

// A short English lexicon: enough to flag clearly upset customers without a model; false negatives are expected.
const NEGATIVE_WORDS = new Set([
  'angry', 'furious', 'terrible', 'awful', 'horrible', 'useless', 'worst', 'hate', 'ridiculous', 'unacceptable',
  'disappointed', 'disgusting', 'scam', 'pathetic', 'incompetent', 'garbage', 'rubbish', 'annoyed', 'frustrated', 'outraged',
]);
const NEGATIVE_THRESHOLD = 2;

export type EscalationRules = {
  onHumanRequest: boolean;
  keywords: readonly string[];
  onNegativeSentiment: boolean;
};

export type Signal = { trigger: EscalationTrigger; details: Record<string, unknown> };

export const isHumanRequest = (message: string) => HUMAN_REQUEST.some((pattern) => pattern.test(message));

/** Escalation triggers a customer message fires before any answer is looked for. */
export const messageSignals = (message: string, rules: EscalationRules): Signal[] => {
  const signals: Signal[] = [];
  if (rules.onHumanRequest && isHumanRequest(message)) signals.push({ trigger: 'HUMAN_REQUESTED', details: {} });
  const lower = message.toLowerCase();
  const keywords = rules.keywords.filter((keyword) => lower.includes(keyword.toLowerCase()));
  if (keywords.length > 0) signals.push({ trigger: 'KEYWORD', details: { keywords } });
  if (rules.onNegativeSentiment) {
    const words = lower.split(/[^\p{L}]+/u).filter((word) => NEGATIVE_WORDS.has(word));
    const exclamations = (message.match(/!/g) ?? []).length >= 3 ? 1 : 0;
    if (words.length + exclamations >= NEGATIVE_THRESHOLD) signals.push({ trigger: 'NEGATIVE_SENTIMENT', details: { words } });
  }
  return signals;
};
