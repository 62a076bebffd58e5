import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { memberships, rolePermissions, roles, userPermissions, users } from '../../../src/db/schema.js';
import { newId } from '../../../src/lib/ids.js';
import { assignRole, loadAccess, seedBuiltinRoles } from '../../../src/modules/rbac/rbac.repo.js';
import { BUILTIN_ROLES } from '../../../src/modules/rbac/permissions.js';
import { createTestApp, type TestApp } from '../../helpers/build-test-app.js';
import { createTenant } from '../../helpers/fixtures.js';

/** The primitives registration, login and invitations build on: seeded roles, role assignment, effective access. */
describe('rbac access primitives', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const newMember = async (tenantId: string) => {
    const db = t.container.database.db;
    const [user] = await db.insert(users).values({ id: newId(), email: `${newId()}@example.test` }).returning();
    await db.insert(memberships).values({ id: newId(), tenantId, userId: user!.id });
    return user!.id;
  };

  it('seeds the four built-in roles with every new tenant, once', async () => {
    const tenant = await createTenant(t);
    const db = t.container.database.db;
    await seedBuiltinRoles(db, tenant.id);
    const rows = await db.select().from(roles).where(eq(roles.tenantId, tenant.id));
    expect(rows.map((row) => row.key).sort()).toEqual(['admin', 'agent', 'owner', 'viewer']);
    expect(rows.every((row) => row.isBuiltin)).toBe(true);
  });

  it('loads built-in, custom and direct permissions as one union, and nothing without an active membership', async () => {
    const tenant = await createTenant(t);
    const db = t.container.database.db;
    const userId = await newMember(tenant.id);
    await assignRole(db, { tenantId: tenant.id, userId, roleKey: 'agent' });
    await assignRole(db, { tenantId: tenant.id, userId, roleKey: 'agent' });
    expect(await loadAccess(db, { tenantId: tenant.id, userId })).toEqual({
      roles: ['agent'],
      permissions: [...BUILTIN_ROLES.agent.permissions].sort(),
    });

    const [custom] = await db.insert(roles).values({ id: newId(), tenantId: tenant.id, key: 'billing', name: 'Billing' }).returning();
    await db.insert(rolePermissions).values({ roleId: custom!.id, tenantId: tenant.id, permission: 'analytics:read' });
    await db.insert(rolePermissions).values({ roleId: custom!.id, tenantId: tenant.id, permission: 'webhooks:write' });
    await assignRole(db, { tenantId: tenant.id, userId, roleKey: 'billing' });
    await db.insert(userPermissions).values({ tenantId: tenant.id, userId, permission: 'users:read' });
    const access = await loadAccess(db, { tenantId: tenant.id, userId });
    expect(access.roles).toEqual(['agent', 'billing']);
    expect(access.permissions).toEqual([...new Set([...BUILTIN_ROLES.agent.permissions, 'webhooks:write', 'users:read'])].sort());

    // The same user in another tenant has nothing there.
    const other = await createTenant(t);
    expect(await loadAccess(db, { tenantId: other.id, userId })).toEqual({ roles: [], permissions: [] });

    await db.update(memberships).set({ isActive: false }).where(and(eq(memberships.tenantId, tenant.id), eq(memberships.userId, userId)));
    expect(await loadAccess(db, { tenantId: tenant.id, userId })).toEqual({ roles: [], permissions: [] });
  });

  it('refuses an unknown role key and a role of another tenant', async () => {
    const tenant = await createTenant(t);
    const other = await createTenant(t);
    const db = t.container.database.db;
    const userId = await newMember(tenant.id);
    await db.insert(roles).values({ id: newId(), tenantId: other.id, key: 'elsewhere', name: 'Elsewhere' });
    await expect(assignRole(db, { tenantId: tenant.id, userId, roleKey: 'nope' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(assignRole(db, { tenantId: tenant.id, userId, roleKey: 'elsewhere' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
