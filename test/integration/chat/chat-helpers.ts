import type { TestApp } from '../../helpers/build-test-app.js';
import type { TestTenant } from '../../helpers/fixtures.js';

export type SseEvent = { event: string; data: Record<string, unknown> };

export const parseSse = (body: string): SseEvent[] =>
  body
    .split('\n\n')
    .filter((frame) => frame.trim())
    .map((frame) => {
      const event = /^event: (.+)$/m.exec(frame)?.[1] ?? 'message';
      const data = /^data: (.+)$/m.exec(frame)?.[1] ?? '{}';
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });

export type Done = {
  conversationId: string | null;
  messageId: string | null;
  content: string;
  mode: string;
  confidence: number;
  citations: string[];
  tokens: { input: number; output: number };
  latencyMs: number;
  escalations: string[];
  retrievalQuery: string | null;
};

/** One turn over SSE: the events, the sources' chunk ids and the done payload. */
export const ask = async (t: TestApp, tenant: TestTenant, agentId: string, body: Record<string, unknown>) => {
  const response = await t.app.inject({ method: 'POST', url: `/api/v1/chat/agents/${agentId}/stream`, headers: tenant.headers, payload: body });
  if (response.statusCode !== 200) return { status: response.statusCode, json: response.json(), events: [], retrieved: [], done: undefined };
  const events = parseSse(response.body);
  const retrieved = events.filter((event) => event.event === 'sources').flatMap((event) => (event.data.sources as { chunkId: string }[]).map((source) => source.chunkId));
  const done = events.find((event) => event.event === 'done')?.data as Done | undefined;
  return { status: response.statusCode, headers: response.headers, events, retrieved, done, json: undefined };
};
