import { LlmError, type LlmConnection, type LlmPort, type LlmRequest, type LlmUsage } from './port.js';

/** A whole answer for background work (summaries) that has no one to stream to. */
export const generateText = async (llm: Pick<LlmPort, 'streamText'>, connection: LlmConnection, request: LlmRequest): Promise<{ text: string; usage: LlmUsage }> => {
  let text = '';
  for await (const part of llm.streamText(connection, request)) {
    if (part.type === 'text') text += part.text;
    else return { text: text.trim(), usage: part.usage };
  }
  throw new LlmError('unavailable', 'the provider stream ended without finishing');
};
