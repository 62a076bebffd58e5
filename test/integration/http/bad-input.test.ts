import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant } from '../../helpers/fixtures.js';

type Operation = { method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: string; query: string[]; bodyFields: string[] };
type BadRequest = { name: string; url: string; payload?: string; contentType?: string };

const json = 'application/json';
const deeplyNested = `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`;
const PATH_VALUES = ['not-a-uuid', 'x'.repeat(5000), '..%2f..%2fetc', '%00', '%E0%A4%A'];
const QUERY_VALUES = ['-1', 'abc', '1e999', '99999999999999999999', '', 'x'.repeat(5000), 'a\u0000b', '2026-13-45T99:00:00Z'];
const FIELD_VALUES: unknown[] = [123, -1, 1e308, 2 ** 63, true, null, 'x', 'x'.repeat(100_000), 'a\u0000b', '2026-13-45', [], ['a\u0000'], {}, { $gt: 1 }, { 'k\u0000': 'v' }, Array.from({ length: 20_000 }, () => randomUUID())];
// ~800 kB, under the body limit: hundreds of thousands of values must not overflow any walk over the body.
const longArray = `[${Array(400_000).fill('0').join(',')}]`;
const RAW_BODIES = ['{', '[]', 'null', '"text"', '123', deeplyNested, longArray];

/** Every operation of the OpenAPI document, with its query parameters and JSON body fields. */
const operationsOf = (spec: { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content?: Record<string, { schema?: { properties?: object } }> } }>> }) =>
  Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]): Operation => ({
      method: method.toUpperCase() as Operation['method'],
      path,
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      bodyFields: Object.keys(op.requestBody?.content?.[json]?.schema?.properties ?? {}),
    })),
  );

/** Malformed path segments, query values and bodies for one operation; ids elsewhere are well-formed but unknown. */
const badRequestsFor = (op: Operation): BadRequest[] => {
  const at = (value: string) => op.path.replace(/\{[^}]+\}/g, value);
  const url = at(randomUUID());
  const requests: BadRequest[] = PATH_VALUES.filter(() => op.path.includes('{')).map((value) => ({ name: `path ${value.slice(0, 12)}`, url: at(value) }));
  for (const name of op.query) {
    for (const value of QUERY_VALUES) requests.push({ name: `query ${name}=${value.slice(0, 12)}`, url: `${url}?${name}=${encodeURIComponent(value)}` });
    requests.push({ name: `query ${name} twice`, url: `${url}?${name}=1&${name}=2` });
  }
  if (op.method === 'POST' || op.method === 'PUT' || op.method === 'PATCH') {
    for (const payload of RAW_BODIES) requests.push({ name: `body ${payload.slice(0, 8)}`, url, payload, contentType: json });
    for (const value of FIELD_VALUES) {
      const payload = JSON.stringify(Object.fromEntries(op.bodyFields.map((field) => [field, value])));
      requests.push({ name: `every field ${JSON.stringify(value).slice(0, 12)}`, url, payload, contentType: json });
    }
    requests.push({ name: 'text/plain body', url, payload: 'hello', contentType: 'text/plain' });
  }
  return requests;
};

describe('bad input on every route', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is answered with a 4xx in the error envelope, never a 5xx or a hang', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operations = operationsOf(spec);
    expect(operations.length).toBeGreaterThan(100);
    const failures: string[] = [];
    let requests = 0;
    for (const op of operations) {
      // A tenant per operation: a request that does succeed (a delete, a suspension) cannot change the next ones.
      const tenant = await createTenant(t);
      for (const bad of badRequestsFor(op)) {
        requests++;
        const response = await t.app.inject({
          method: op.method,
          url: bad.url,
          headers: { ...tenant.headers, ...(bad.contentType ? { 'content-type': bad.contentType } : {}) },
          payload: bad.payload,
        });
        const body = (() => {
          try {
            return response.json();
          } catch {
            return undefined;
          }
        })();
        // The OpenAI-compatible routes answer in OpenAI's error shape, which its clients parse.
        const error = op.path.startsWith('/v1/') ? body?.error : body?.success === false ? body.error : undefined;
        const described = typeof error?.code === 'string' && typeof error?.message === 'string';
        if (response.statusCode >= 500 || (response.statusCode >= 400 && !described)) {
          failures.push(`${op.method} ${op.path} [${bad.name}] -> ${response.statusCode} ${response.body.slice(0, 160)}`);
        }
      }
    }
    expect(requests).toBeGreaterThan(2000);
    expect(failures).toEqual([]);
  }, 120_000);

  it('refuses NUL characters in stored text with a validation error', async () => {
    const tenant = await createTenant(t);
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/knowledge-bases', headers: tenant.headers, payload: { name: 'Docs\u0000' } });
    expect(created.statusCode).toBe(400);
    expect(created.json().error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('NUL') });
    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/knowledge-bases?search=a%00b', headers: tenant.headers });
    expect(listed.statusCode).toBe(400);
    const model = await t.app.inject({ method: 'GET', url: '/v1/models/a%00b', headers: tenant.headers });
    expect(model.statusCode).toBe(400);
    expect(model.json().error.code).toBe('VALIDATION_ERROR');
  });

  it('answers an overlong or undecodable path segment in the envelope', async () => {
    const tenant = await createTenant(t);
    for (const url of [`/api/v1/knowledge-bases/${'x'.repeat(5000)}`, '/api/v1/knowledge-bases/%E0%A4%A']) {
      const response = await t.app.inject({ method: 'GET', url, headers: tenant.headers });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' }, requestId: expect.any(String) });
    }
  });
});
