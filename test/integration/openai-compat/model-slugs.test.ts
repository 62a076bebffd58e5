import OpenAI, { NotFoundError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant, type TestTenant } from '../../helpers/fixtures.js';

type Agent = { id: string; name: string; slug: string };
type Switchboard = { conversation_id: string; mode: string };

describe('agent slugs as OpenAI model names', () => {
  let t: TestApp;
  let origin: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_AI: '1000' } });
    origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
  });

  const call = async (tenant: TestTenant, method: 'POST' | 'PATCH', url: string, payload: object) => {
    const response = await t.app.inject({ method, url: `/api/v1${url}`, headers: tenant.headers, payload });
    return { status: response.statusCode, body: response.json() as { data: Agent; error: { code: string; message: string } } };
  };
  const createAgent = async (tenant: TestTenant, body: Record<string, unknown>, options: { publish?: boolean } = { publish: true }) => {
    const created = await call(tenant, 'POST', '/agents', body);
    if (created.status !== 201) throw new Error(JSON.stringify(created.body));
    if (options.publish) await call(tenant, 'POST', `/agents/${created.body.data.id}/publish`, {});
    return created.body.data;
  };
  const clientOf = (tenant: TestTenant) => new OpenAI({ apiKey: tenant.token, baseURL: `${origin}/v1`, maxRetries: 0 });
  const ask = (client: OpenAI, model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello, who are you?' }] });

  it('derives a slug from the name, numbers collisions, keeps it on rename and lets it be set explicitly', async () => {
    const tenant = await createTenant(t);
    const first = await createAgent(tenant, { name: 'Support Bot' });
    const second = await createAgent(tenant, { name: 'Support  bot!' });
    const accented = await createAgent(tenant, { name: 'Équipe Crème' });
    const unnamed = await createAgent(tenant, { name: '客服' });
    expect([first.slug, second.slug, accented.slug, unnamed.slug]).toEqual(['support-bot', 'support-bot-2', 'equipe-creme', 'agent']);
    expect((await createAgent(tenant, { name: 'Sales', slug: 'Sales-Team' })).slug).toBe('sales-team');

    const renamed = await call(tenant, 'PATCH', `/agents/${first.id}`, { name: 'Customer Care' });
    expect(renamed.body.data).toMatchObject({ name: 'Customer Care', slug: 'support-bot' });
    // A new agent with the old name cannot take the slug the renamed one kept.
    expect((await createAgent(tenant, { name: 'Support Bot' })).slug).toBe('support-bot-3');
    expect((await call(tenant, 'PATCH', `/agents/${first.id}`, { slug: 'care' })).body.data.slug).toBe('care');

    for (const [method, url, body] of [
      ['POST', '/agents', { name: 'Copy', slug: 'sales-team' }],
      ['PATCH', `/agents/${second.id}`, { slug: 'care' }],
    ] as const) {
      const conflict = await call(tenant, method, url, body);
      expect(conflict.status, url).toBe(409);
      expect(conflict.body.error.message).toContain(body.slug);
    }
    for (const slug of ['not a slug', '-edge', 'a--b', 'x'.repeat(65), '0190a5b2-0000-7000-8000-000000000000']) {
      expect((await call(tenant, 'POST', '/agents', { name: 'Bad', slug })).status, slug).toBe(400);
    }
    // Agents created at once with one name still get distinct slugs (on PostgreSQL these run in parallel).
    const racing = await Promise.all(Array.from({ length: 5 }, () => call(tenant, 'POST', '/agents', { name: 'Race Bot' })));
    expect(racing.map((response) => response.status)).toEqual([201, 201, 201, 201, 201]);
    expect(racing.map((response) => response.body.data.slug).sort()).toEqual(['race-bot', 'race-bot-2', 'race-bot-3', 'race-bot-4', 'race-bot-5']);
    // Slugs are per tenant: another tenant's "Support Bot" is plain support-bot too.
    expect((await createAgent(await createTenant(t), { name: 'Support Bot' })).slug).toBe('support-bot');
  });

  it('lists slugs with the models and answers completions addressed by slug, streamed or not, like by id', async () => {
    const tenant = await createTenant(t);
    const support = await createAgent(tenant, { name: 'Support Bot', fallback: { message: 'Support here.' } });
    const other = await createAgent(tenant, { name: 'Support Bot', fallback: { message: 'The other one.' } });
    const client = clientOf(tenant);

    const models = (await client.models.list()).data as (OpenAI.Model & { slug: string; name: string })[];
    expect(models.map((model) => [model.id, model.slug])).toEqual([[support.id, 'support-bot'], [other.id, 'support-bot-2']]);
    expect((await client.models.retrieve('support-bot-2')).id).toBe(other.id);

    const completion = await ask(client, 'support-bot');
    expect(completion.model).toBe(support.id);
    expect(completion.choices[0]!.message.content).toBe('Support here.');
    expect((completion as unknown as { switchboard: Switchboard }).switchboard.mode).toBe('fallback');
    // Case does not matter, as slugs are stored lower-case.
    expect((await ask(client, 'Support-Bot-2')).choices[0]!.message.content).toBe('The other one.');

    const stream = await client.chat.completions.create({ model: 'support-bot-2', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('The other one.');

    // A renamed slug answers under its new name only.
    await call(tenant, 'PATCH', `/agents/${other.id}`, { slug: 'escalations' });
    expect((await ask(client, 'escalations')).model).toBe(other.id);
    await expect(ask(client, 'support-bot-2')).rejects.toBeInstanceOf(NotFoundError);
  });

  it("answers an unknown slug, another tenant's slug or a draft's slug as an unknown model", async () => {
    const tenant = await createTenant(t);
    const stranger = await createTenant(t);
    await createAgent(stranger, { name: 'Secret Agent' });
    await createAgent(tenant, { name: 'Draft Bot' }, { publish: false });
    const client = clientOf(tenant);

    for (const model of ['no-such-agent', 'secret-agent']) {
      const error = await ask(client, model).catch((caught: unknown) => caught);
      expect(error, model).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ status: 404, code: 'RESOURCE_NOT_FOUND', param: 'model', type: 'invalid_request_error' });
      expect((error as Error).message).toContain(model);
      await expect(client.models.retrieve(model)).rejects.toBeInstanceOf(NotFoundError);
    }
    // The stranger's own key reaches its agent by the same slug.
    expect((await ask(clientOf(stranger), 'secret-agent')).object).toBe('chat.completion');

    await expect(client.models.retrieve('draft-bot')).rejects.toBeInstanceOf(NotFoundError);
    const draft = await ask(client, 'draft-bot').catch((caught: unknown) => caught);
    expect(draft).toMatchObject({ status: 409 });
  });
});
