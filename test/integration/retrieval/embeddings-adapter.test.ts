import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createOpenAiEmbeddings } from '../../../src/adapters/embeddings/openai-compatible.js';
import { createSafeFetch } from '../../../src/adapters/http/safe-fetch.js';
import { fakeEmbedding, startFakeEmbeddingsServer, type FakeEmbeddingsServer } from '../../helpers/fake-embeddings-server.js';

describe('embeddings adapter (AI SDK over the SSRF-guarded fetch)', () => {
  let fake: FakeEmbeddingsServer;
  beforeAll(async () => {
    fake = await startFakeEmbeddingsServer();
  });
  afterAll(() => fake.close());

  const http = (allowHosts: string[]) =>
    createSafeFetch({ allowHosts, allowPorts: [], timeoutMs: 5000, maxBytes: 1_000_000, maxRedirects: 0, userAgent: 'test' });

  for (const provider of ['openai', 'openai-compatible'] as const) {
    it(`${provider}: sends model, dimensions and key, returns vectors in order`, async () => {
      const client = http([fake.hostPort]);
      try {
        const embeddings = createOpenAiEmbeddings(
          { provider, baseUrl: fake.baseUrl, apiKey: 'sk-test', model: 'embed-small', dimensions: 16, batchSize: 8 },
          client.fetchLike,
        );
        expect(embeddings.model).toBe('embed-small@16');
        const vectors = await embeddings.embed(['refund policy', 'shipping times']);
        expect(vectors).toEqual([fakeEmbedding('refund policy', 16), fakeEmbedding('shipping times', 16)]);
        expect(fake.requests.at(-1)).toMatchObject({ model: 'embed-small', dimensions: 16, input: ['refund policy', 'shipping times'] });
        expect(await embeddings.embed([])).toEqual([]);
      } finally {
        await client.close();
      }
    });
  }

  it('cannot reach a loopback provider that is not explicitly allowed', async () => {
    const client = http([]);
    try {
      const embeddings = createOpenAiEmbeddings({ provider: 'openai-compatible', baseUrl: fake.baseUrl, model: 'm', batchSize: 8 }, client.fetchLike);
      const before = fake.requests.length;
      await expect(embeddings.embed(['x'], { maxRetries: 0 })).rejects.toThrow();
      expect(fake.requests.length).toBe(before);
    } finally {
      await client.close();
    }
  });

  it('surfaces provider errors', async () => {
    const client = http([fake.hostPort]);
    fake.failWith = 503;
    try {
      const embeddings = createOpenAiEmbeddings({ provider: 'openai-compatible', baseUrl: fake.baseUrl, model: 'm', batchSize: 8 }, client.fetchLike);
      await expect(embeddings.embed(['x'], { maxRetries: 0 })).rejects.toThrow(/down/);
    } finally {
      fake.failWith = undefined;
      await client.close();
    }
  });
});
