import type { TenantContext } from '../../app/context.js';
import type { Db } from '../../db/client.js';
import { withTx } from '../../db/tx.js';
import type { Queue } from '../../jobs/queue.js';
import type { JobRun } from '../../jobs/registry.js';
import { AppError, notFound } from '../../lib/errors.js';
import { auditSource, type AuditService } from '../audit/audit.service.js';
import { createGdprRepo } from './gdpr.repo.js';
import type { TDataExport, TDeleteUserPayload } from './gdpr.schemas.js';

export const DELETE_USER_JOB = 'gdpr.delete-user';

export type GdprDeps = { db: Db; queue: Pick<Queue, 'enqueue'>; audit: Pick<AuditService, 'record'> };

const isoDates = (value: unknown): unknown => {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(isoDates);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, isoDates(inner)]));
  return value;
};

/**
 * Data-subject rights belong to every person whatever their role, so the routes are `signedIn` (any user token,
 * no permission); an API key is refused here as well as by the auth plugin.
 */
const callingUser = (ctx: TenantContext): string => {
  if (ctx.actor.type !== 'user') {
    throw new AppError('INSUFFICIENT_PERMISSIONS', 'Data export and deletion act on a person: call with a user access token, not an API key');
  }
  return ctx.actor.id;
};

const lastOwnerConflict = (tenants: { id: string; name: string }[]) =>
  new AppError(
    'CONFLICT',
    `You are the last owner of ${tenants.map((tenant) => `"${tenant.name}"`).join(', ')}: transfer ownership to another member first`,
    { tenants },
  );

export const createGdprService = (deps: GdprDeps) => ({
  /** Everything stored about the caller, across every tenant they belong to (users are global). */
  exportData: async (ctx: TenantContext): Promise<TDataExport> => {
    const repo = createGdprRepo(deps.db).forUser(callingUser(ctx));
    const profile = await repo.profile();
    if (!profile) throw notFound('User');
    const [memberships, roles, directPermissions, sessions, socialAccounts, auditEntries, mails, invitations, apiKeysCreated] = await Promise.all([
      repo.memberships(),
      repo.roles(),
      repo.directPermissions(),
      repo.sessions(),
      repo.socialAccounts(),
      repo.auditEntries(),
      repo.mails(profile.email),
      repo.invitations(profile.email),
      repo.apiKeysCreated(),
    ]);
    const exported = { exportedAt: new Date(), profile, memberships, roles, directPermissions, sessions, socialAccounts, auditEntries, mails, invitations, apiKeysCreated };
    return isoDates(exported) as TDataExport;
  },

  /**
   * Checked now (409 for a last owner) and again when the job runs; the job is enqueued in the same transaction as
   * the audit entry, so a request is either fully recorded and scheduled or not at all.
   */
  requestDeletion: async (ctx: TenantContext) => {
    const userId = callingUser(ctx);
    return withTx(deps.db, async (tx) => {
      const blocked = await createGdprRepo(tx).forUser(userId).tenantsWhereLastOwner();
      if (blocked.length > 0) throw lastOwnerConflict(blocked);
      const jobId = await deps.queue.enqueue(
        tx,
        DELETE_USER_JOB,
        { tenantId: ctx.tenantId, userId, requestId: ctx.requestId } satisfies TDeleteUserPayload,
        { dedupeKey: `gdpr-delete:${userId}` },
      );
      await deps.audit.record(tx, { ...auditSource(ctx), action: 'gdpr.deletion_requested', target: { type: 'user', id: userId }, metadata: { jobId } });
      return { jobId, status: 'scheduled' as const, userId };
    });
  },

  /** The job: idempotent (an already deleted account is left alone), and re-checks ownership at run time. */
  deleteUser: async (payload: TDeleteUserPayload, run: JobRun) => {
    await withTx(deps.db, async (tx) => {
      const repo = createGdprRepo(tx).forUser(payload.userId);
      const profile = await repo.profile();
      if (!profile || profile.status === 'deleted') return;
      const entry = { tenantId: payload.tenantId, actor: { type: 'system' as const, id: 'gdpr' }, target: { type: 'user', id: payload.userId }, requestId: payload.requestId ?? run.id };
      await repo.lockOwnedTenantsOwnerRoles();
      const blocked = await repo.tenantsWhereLastOwner();
      if (blocked.length > 0) {
        // Became a last owner after asking: retrying cannot help, so the refusal is recorded instead.
        await deps.audit.record(tx, { ...entry, action: 'gdpr.deletion_blocked', metadata: { tenants: blocked } });
        return;
      }
      await repo.anonymise(profile.email);
      await deps.audit.record(tx, { ...entry, action: 'gdpr.user_deleted' });
    });
  },
});

export type GdprService = ReturnType<typeof createGdprService>;
