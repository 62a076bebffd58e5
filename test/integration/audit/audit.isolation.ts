import type { IsolationSeed } from '../../helpers/tenant-isolation.js';

export const auditIsolationSeed: IsolationSeed = async (t, owner) => {
  await t.container.modules.audit.record(t.container.database.db, {
    tenantId: owner.id,
    actor: { type: 'system', id: 'seed' },
    action: 'seed.created',
  });
  return [{ route: '/api/v1/audit-logs', method: 'GET', url: '/api/v1/audit-logs', hasTenantIds: false }];
};
