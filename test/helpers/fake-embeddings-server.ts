import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small local server speaking the OpenAI embeddings API (`POST /v1/embeddings`). Vectors are deterministic
 * bag-of-concepts: each word is mapped through `synonyms` to a concept, hashed to a dimension, and the vector is
 * L2-normalised. So texts sharing words or synonyms are close, and a test can prove that vector search finds a chunk
 * that shares no word with the query.
 */
export type FakeEmbeddingsServer = {
  baseUrl: string;
  /** `127.0.0.1:port`, for OUTBOUND_ALLOW_HOSTS. */
  hostPort: string;
  /** Every request body received. */
  requests: { model: string; input: string[]; dimensions?: number }[];
  /** While set, every request gets this HTTP status and an OpenAI-style error. */
  failWith: number | undefined;
  close: () => Promise<void>;
};

const readJson = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string; input: string | string[]; dimensions?: number };
};

export const fakeEmbedding = (text: string, dimensions: number, synonyms: Record<string, string> = {}): number[] => {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const concept = synonyms[word] ?? word;
    vector[createHash('sha1').update(concept).digest().readUInt32BE(0) % dimensions]! += 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
};

export const startFakeEmbeddingsServer = async (options: { dimensions?: number; synonyms?: Record<string, string> } = {}): Promise<FakeEmbeddingsServer> => {
  const state: FakeEmbeddingsServer = { baseUrl: '', hostPort: '', requests: [], failWith: undefined, close: async () => {} };
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
        res.writeHead(404).end();
        return;
      }
      const body = await readJson(req);
      const input = Array.isArray(body.input) ? body.input : [body.input];
      state.requests.push({ model: body.model, input, dimensions: body.dimensions });
      if (state.failWith) {
        res.writeHead(state.failWith, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'the fake provider is down', type: 'server_error' } }));
        return;
      }
      const dimensions = body.dimensions ?? options.dimensions ?? 64;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        object: 'list',
        model: body.model,
        data: input.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text, dimensions, options.synonyms) })),
        usage: { prompt_tokens: input.join(' ').split(/\s+/).length, total_tokens: input.join(' ').split(/\s+/).length },
      }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `http://127.0.0.1:${port}/v1`;
  state.hostPort = `127.0.0.1:${port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
};
