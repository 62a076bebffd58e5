import { z } from 'zod';

export const ZAgentIdParams = z.object({ agentId: z.uuid() });

const ZMessage = z.string().trim().min(1).max(8000);

export const ZChatStreamBody = z.object({
  message: ZMessage,
  conversationId: z.uuid().optional().describe('Continue a conversation; omit to start one (its id comes in the done event)'),
  channel: z.string().trim().min(1).max(50).default('api'),
  customer: z.record(z.string().max(100), z.unknown()).optional().describe('Visitor or customer details kept with a new conversation'),
});
export type TChatStreamBody = z.infer<typeof ZChatStreamBody>;

export const ZAgentTestBody = z.object({ message: ZMessage });

export const ZAgentTestResult = z
  .object({
    response: z.string(),
    mode: z.enum(['generative', 'extractive', 'fallback']),
    confidence: z.number().describe('0..1: how well the retrieved knowledge covers the question'),
    responseTime: z.number().int().describe('Milliseconds'),
    tokensUsed: z.number().int(),
    escalations: z.array(z.string()),
    sources: z.array(
      z.object({
        documentId: z.uuid(),
        chunkId: z.uuid(),
        documentTitle: z.string(),
        chunk: z.string(),
        relevance: z.number(),
      }),
    ),
  })
  .meta({ id: 'AgentTestResult' });
export type TAgentTestResult = z.infer<typeof ZAgentTestResult>;

/** Documents the SSE stream for the OpenAPI description; the route writes `text/event-stream`. */
export const ZChatStreamEvents = z
  .string()
  .describe(
    'text/event-stream. Events: `sources` {sources}, `token` {text}, `escalation` {trigger, details}, `error` {code, message} ' +
      '(AI_SERVICE_UNAVAILABLE: discard the partial tokens, the fallback follows), `done` {conversationId, messageId, content, mode, ' +
      'confidence, citations, tokens, latencyMs, escalations}.',
  );
