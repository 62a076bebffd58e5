import { z } from 'zod';

/** What a browser may send over the chat socket. `auth` is for clients that cannot put the token in the URL. */
export const ZInbound = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().min(1).max(4000) }),
  z.object({ type: z.literal('user_message'), content: z.string().trim().min(1).max(8000) }),
  z.object({ type: z.literal('ping') }),
]);
export type TInbound = z.infer<typeof ZInbound>;

export type Citation = { chunkId: string; documentId: string; documentTitle: string; sourceUrl: string | null };

/** What the server sends. `ai_response` comes as deltas (`final: false`), then once with `final: true`. */
export type Outbound =
  | { type: 'connection_status'; status: 'connected'; sessionId: string; agentId: string; resumed: boolean; messageCount: number }
  | { type: 'typing_indicator'; isTyping: boolean }
  | { type: 'ai_response'; final: false; delta: string }
  | { type: 'ai_response'; final: true; messageId: string | null; content: string; mode: string; confidence: number; citations: Citation[]; escalations: string[] }
  | { type: 'error'; code: string; message: string }
  | { type: 'pong' };

export const ZSocketParams = z.object({ agentId: z.uuid(), sessionId: z.uuid() });
export const ZSocketQuery = z.object({ token: z.string().min(1).max(4000).optional().describe('API key or access token (browsers cannot set headers)') });

/** WebSocket close codes: 4000 + the HTTP status the same failure would have had. */
export const closeCodeFor = (status: number) => 4000 + Math.min(Math.max(status, 400), 599);
