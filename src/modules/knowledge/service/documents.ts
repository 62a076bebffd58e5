import { requirePermission, type TenantContext } from '../../../app/context.js';
import { StorageNotFoundError } from '../../../adapters/storage/port.js';
import type { Tx } from '../../../db/client.js';
import { withTx } from '../../../db/tx.js';
import { AppError, notFound } from '../../../lib/errors.js';
import { toPage } from '../../../lib/pagination.js';
import { createDocumentsRepo } from '../documents.repo.js';
import { createKnowledgeBasesRepo } from '../knowledge-bases.repo.js';
import type { TDocumentOptions, TListDocumentsQuery, TReprocessBody } from '../knowledge.schemas.js';
import { cleanName } from './classify-file.js';
import { JOB, storedKeysOf, type KnowledgeDeps } from './deps.js';
import { fetchUrlFile } from './fetch-url.js';
import { ingestFile, type IncomingFile } from './ingest-file.js';
import { toDocument } from './mappers.js';
import { startProcessing } from './start-processing.js';

const SUMMARY_UNAVAILABLE =
  'generateSummary was ignored: this tenant has no AI provider with a default model, so no summary can be generated. The document is reprocessed without one.';

/** Rows, chunks and index rows go in the caller's transaction; the files follow in a job once it has committed. */
export const deleteDocuments = async (deps: Pick<KnowledgeDeps, 'queue'>, tx: Tx, ctx: TenantContext, ids: string[]) => {
  const rows = await createDocumentsRepo(tx).forTenant(ctx).deleteMany(ids);
  if (rows.length > 0) {
    await deps.queue.enqueue(tx, JOB.deleteFiles, { tenantId: ctx.tenantId, keys: rows.flatMap(storedKeysOf) });
  }
  return rows.map((row) => row.id);
};

/** Upload, read, reprocess and delete documents. */
export const createDocumentsUseCases = (deps: KnowledgeDeps) => {
  const repoOf = (ctx: TenantContext) => createDocumentsRepo(deps.db).forTenant(ctx);
  const findOr404 = async (ctx: TenantContext, id: string) => {
    const row = await repoOf(ctx).findById(id);
    if (!row) throw notFound('Document');
    return row;
  };

  const removeDocuments = (ctx: TenantContext, ids: string[]) => withTx(deps.db, (tx) => deleteDocuments(deps, tx, ctx, ids));

  return {
    upload: async (ctx: TenantContext, input: { knowledgeBaseId: string; file: IncomingFile; name?: string }) => {
      requirePermission(ctx, 'knowledge:write');
      const name = cleanName(input.name ?? input.file.filename, 'document');
      return toDocument(await ingestFile(deps, ctx, { knowledgeBaseId: input.knowledgeBaseId, file: input.file, name }));
    },

    createFromUrl: async (ctx: TenantContext, input: { knowledgeBaseId: string; url: string; name?: string }) => {
      requirePermission(ctx, 'knowledge:write');
      // Checked before fetching too: an unknown knowledge base must not cost an outbound request.
      if (!(await createKnowledgeBasesRepo(deps.db).forTenant(ctx).findById(input.knowledgeBaseId))) throw notFound('Knowledge base');
      const file = await fetchUrlFile(deps, input.url);
      const name = cleanName(input.name ?? file.filename, 'document');
      return toDocument(await ingestFile(deps, ctx, { knowledgeBaseId: input.knowledgeBaseId, file, name, sourceUrl: input.url }));
    },

    list: async (ctx: TenantContext, query: TListDocumentsQuery) => {
      requirePermission(ctx, 'knowledge:read');
      const { items, total } = await repoOf(ctx).list(query);
      return toPage(items.map(toDocument), total, query);
    },

    get: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'knowledge:read');
      return toDocument(await findOr404(ctx, id));
    },

    download: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'knowledge:read');
      const row = await findOr404(ctx, id);
      try {
        return { document: toDocument(row), bytes: await deps.storage.get(row.storageKey) };
      } catch (error) {
        if (error instanceof StorageNotFoundError) {
          throw new AppError('RESOURCE_NOT_FOUND', row.sourceUrl ? 'This document has not been fetched yet' : 'The stored file of this document is missing');
        }
        throw error;
      }
    },

    reprocess: async (ctx: TenantContext, id: string, body: TReprocessBody) => {
      requirePermission(ctx, 'knowledge:write');
      const current = await findOr404(ctx, id);
      const warnings: string[] = [];
      const options: TDocumentOptions = { ...current.options, ...body };
      if (body.generateSummary && !(await deps.summaries.resolve(ctx))) {
        warnings.push(SUMMARY_UNAVAILABLE);
        delete options.generateSummary;
      }
      if (current.contentHash.startsWith('pending:')) {
        throw new AppError('CONFLICT', 'This document is still waiting for its URL to be fetched; reprocess it once it has content');
      }
      const row = await withTx(deps.db, (tx) => startProcessing(deps.queue, tx, ctx, id, { options }));
      if (!row) throw notFound('Document');
      return { document: toDocument(row), warnings };
    },

    remove: async (ctx: TenantContext, id: string) => {
      requirePermission(ctx, 'knowledge:delete');
      if ((await removeDocuments(ctx, [id])).length === 0) throw notFound('Document');
    },

    removeMany: async (ctx: TenantContext, ids: string[]) => {
      requirePermission(ctx, 'knowledge:delete');
      const unique = [...new Set(ids)];
      const deleted = await removeDocuments(ctx, unique);
      // Nothing matched (unknown ids, or another tenant's): the same 404 as for a single document.
      if (deleted.length === 0) throw notFound('Documents');
      return { deleted, notFound: unique.filter((id) => !deleted.includes(id)) };
    },
  };
};

export type DocumentsUseCases = ReturnType<typeof createDocumentsUseCases>;
