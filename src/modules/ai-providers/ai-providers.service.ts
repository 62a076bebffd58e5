import { requirePermission, type TenantContext } from '../../app/context.js';
import { LlmError, type LlmConnection, type LlmPort } from '../../adapters/llm/port.js';
import type { Db } from '../../db/client.js';
import { isUniqueViolation } from '../../db/errors.js';
import { openSecret, sealSecret } from '../../lib/crypto.js';
import { AppError, notFound } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { toPage } from '../../lib/pagination.js';
import { createAiProvidersRepo, type AiProviderRow } from './ai-providers.repo.js';
import type { TAiProvider, TAiProviderCheck, TCreateAiProviderBody, TListAiProvidersQuery, TUpdateAiProviderBody } from './ai-providers.schemas.js';

// Keys shorter than this show no characters at all: four of a short key would give too much of it away.
const MIN_KEY_LENGTH_FOR_HINT = 16;
const HINT_CHARS = 4;

/** Binds each sealed key to its row, so a ciphertext copied into another row does not decrypt. */
const sealContext = (id: string) => `ai-provider:${id}`;

const hintOf = (apiKey: string) => (apiKey.length >= MIN_KEY_LENGTH_FOR_HINT ? apiKey.slice(-HINT_CHARS) : '');

const toAiProvider = (row: AiProviderRow): TAiProvider => ({
  id: row.id,
  name: row.name,
  provider: row.provider,
  baseUrl: row.baseUrl,
  hasApiKey: row.apiKeySealed !== null,
  apiKeyMasked: row.apiKeySealed === null ? null : `••••${row.apiKeyHint ?? ''}`,
  defaultModel: row.defaultModel,
  lastCheckedAt: row.lastCheckedAt?.toISOString() ?? null,
  lastCheckOk: row.lastCheckOk,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

const conflictOnDuplicate = (name: string) => (error: unknown): never => {
  if (isUniqueViolation(error)) throw new AppError('CONFLICT', `An AI provider named "${name}" already exists`);
  throw error;
};

export type AiProvidersDeps = { db: Db; llm: Pick<LlmPort, 'check'>; encryptionKey: string };

/** Per-tenant LLM credentials: sealed at rest, never returned, decrypted only to make a provider call. */
export const createAiProvidersService = (deps: AiProvidersDeps) => {
  const repoOf = (ctx: Pick<TenantContext, 'tenantId'>) => createAiProvidersRepo(deps.db).forTenant(ctx);
  const sealed = (id: string, apiKey: string | null | undefined) =>
    apiKey ? { apiKeySealed: sealSecret(deps.encryptionKey, apiKey, sealContext(id)), apiKeyHint: hintOf(apiKey) } : { apiKeySealed: null, apiKeyHint: null };

  const connectionOf = (row: AiProviderRow): LlmConnection => ({
    provider: row.provider,
    baseUrl: row.baseUrl ?? undefined,
    apiKey: row.apiKeySealed ? openSecret(deps.encryptionKey, row.apiKeySealed, sealContext(row.id)) : undefined,
  });

  const findOrThrow = async (ctx: Pick<TenantContext, 'tenantId'>, id: string) => {
    const row = await repoOf(ctx).findById(id);
    if (!row) throw notFound('AI provider');
    return row;
  };

  return {
    create: async (ctx: TenantContext, input: TCreateAiProviderBody) => {
      requirePermission(ctx, 'ai-providers:write');
      const id = newId();
      const row = await repoOf(ctx)
        .insert({ id, name: input.name, provider: input.provider, baseUrl: input.baseUrl ?? null, defaultModel: input.defaultModel ?? null, ...sealed(id, input.apiKey) })
        .catch(conflictOnDuplicate(input.name));
      return toAiProvider(row);
    },

    list: async (ctx: TenantContext, query: TListAiProvidersQuery) => {
      requirePermission(ctx, 'ai-providers:read');
      const { items, total } = await repoOf(ctx).list(query);
      return toPage(items.map(toAiProvider), total, query);
    },

    get: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'ai-providers:read');
      return toAiProvider(await findOrThrow(ctx, id));
    },

    update: async (ctx: TenantContext, id: string, patch: TUpdateAiProviderBody) => {
      requirePermission(ctx, 'ai-providers:write');
      const current = await findOrThrow(ctx, id);
      const baseUrl = patch.baseUrl === undefined ? current.baseUrl : patch.baseUrl;
      if (current.provider === 'openai-compatible' && !baseUrl) throw new AppError('VALIDATION_ERROR', 'baseUrl is required for openai-compatible providers');
      if (current.provider !== 'openai-compatible' && patch.apiKey === null) throw new AppError('VALIDATION_ERROR', `apiKey is required for ${current.provider}`);
      const { apiKey, ...rest } = patch;
      const row = await repoOf(ctx)
        .update(id, { ...rest, ...(apiKey === undefined ? {} : sealed(id, apiKey)) })
        .catch(conflictOnDuplicate(patch.name ?? ''));
      if (!row) throw notFound('AI provider');
      return toAiProvider(row);
    },

    remove: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'ai-providers:delete');
      if (!(await repoOf(ctx).delete(id))) throw notFound('AI provider');
    },

    /** Calls the provider with the stored credential and records the outcome. */
    test: async (ctx: TenantContext, id: string): Promise<TAiProviderCheck> => {
      requirePermission(ctx, 'ai-providers:write');
      const row = await findOrThrow(ctx, id);
      const result = await deps.llm.check(connectionOf(row));
      await repoOf(ctx).recordCheck(id, result.ok);
      return result.ok ? { ok: true, models: result.models, latencyMs: result.latencyMs } : { ok: false, models: [], latencyMs: result.latencyMs, error: result.error, status: result.status };
    },

    /**
     * For the chat runtime: the decrypted connection of an agent's provider and the model to call (the agent's, else
     * the provider's default). No model at all is the provider call's `bad_request`. `row`: the provider as the caller
     * already read it with the agent (scoped to the tenant), which spares a read.
     */
    resolveAgentModel: async (ctx: Pick<TenantContext, 'tenantId'>, choice: { providerId: string; model?: string | null; row?: AiProviderRow }) => {
      const row = choice.row?.id === choice.providerId ? choice.row : await findOrThrow(ctx, choice.providerId);
      const model = choice.model ?? row.defaultModel;
      if (!model) throw new LlmError('bad_request', 'no model is configured for this agent or its provider');
      return { connection: connectionOf(row), model };
    },

    /**
     * For background work that belongs to no agent (document summaries): the tenant's oldest provider with a default
     * model, decrypted; undefined when the tenant has none.
     */
    resolveDefault: async (ctx: Pick<TenantContext, 'tenantId'>) => {
      const row = await repoOf(ctx).findOldestWithModel();
      return row?.defaultModel ? { connection: connectionOf(row), model: row.defaultModel, providerName: row.name } : undefined;
    },

    /** Whether the id names one of the tenant's providers (agents validate their reference with it). */
    exists: async (ctx: Pick<TenantContext, 'tenantId'>, id: string) => (await repoOf(ctx).findById(id)) !== undefined,
  };
};

export type AiProvidersService = ReturnType<typeof createAiProvidersService>;
