/**
 * Tessera as a Permit.io PDP and management API, driven by the real `permitio` Node SDK pointed at
 * Tessera's root URL (`pdp` and `apiUrl` both). Seed 000: a `hello` resource with `say` and `wave`,
 * `admin` may do both, `viewer` only waves; users are synced and given roles through the SDK.
 * What the SDK sends and how it reads the answers is written down in test/fixtures/permit-sdk-wire.md
 * (recorded from the SDK itself); the expectations here are what real Permit answers.
 */
import { Permit, PermitConnectionError, PermitContextError } from 'permitio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPermitApiError, permitClient, permitRaw, thrownBy } from '../support/permit.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const API_KEY = 'permit_key_tessera_seed000_default_0123456789';
const STAGING_KEY = 'permit_key_tessera_seed000_staging_0123456789';
const WRONG_KEY = 'permit_key_nobody_issued_this_one_0123456789';

const HELLO = { key: 'hello', actions: ['say', 'wave'] };
const ROLES = [
  { key: 'admin', permissions: ['hello:say', 'hello:wave'] },
  { key: 'viewer', permissions: ['hello:wave'] },
];

let server: TestServer;
let permit: Permit;

beforeAll(async () => {
  server = await startTestServer({
    config: {
      rbac: {
        environments: [
          { key: 'default', apiKey: API_KEY, resources: [HELLO], roles: ROLES },
          { key: 'staging', apiKey: STAGING_KEY, resources: [HELLO], roles: ROLES },
        ],
      },
    },
  });
  permit = permitClient(server.url, API_KEY);
});

afterAll(async () => {
  await server?.close();
});

/** What `permit.check` answers for say and wave on `hello`. */
async function helloPermissions(user: string, tenant?: string): Promise<{ say: boolean; wave: boolean }> {
  const resource = tenant ? { type: 'hello', tenant } : 'hello';
  return { say: await permit.check(user, 'say', resource), wave: await permit.check(user, 'wave', resource) };
}

describe('Seed 000: who may say and wave hello', () => {
  it('a synced user given admin may say and wave hello', async () => {
    const user = await permit.api.syncUser({ key: 'alice-sub', email: 'alice@example.com', first_name: 'Alice', last_name: 'Admin' });
    expect(user.key).toBe('alice-sub');
    await permit.api.assignRole({ user: 'alice-sub', role: 'admin', tenant: 'default' });
    expect(await helloPermissions('alice-sub')).toEqual({ say: true, wave: true });
  });

  it('a synced user given viewer may wave hello but not say it', async () => {
    await permit.api.syncUser({ key: 'victor-sub', email: 'victor@example.com' });
    await permit.api.assignRole({ user: 'victor-sub', role: 'viewer', tenant: 'default' });
    expect(await helloPermissions('victor-sub')).toEqual({ say: false, wave: true });
  });

  it('a synced user with no role may do nothing', async () => {
    await permit.api.syncUser({ key: 'nora-sub', email: 'nora@example.com' });
    expect(await helloPermissions('nora-sub')).toEqual({ say: false, wave: false });
  });

  it('unassigning the role takes the permissions away', async () => {
    await permit.api.syncUser({ key: 'uma-sub' });
    await permit.api.assignRole({ user: 'uma-sub', role: 'admin', tenant: 'default' });
    expect(await helloPermissions('uma-sub')).toEqual({ say: true, wave: true });
    await permit.api.unassignRole({ user: 'uma-sub', role: 'admin', tenant: 'default' });
    expect(await helloPermissions('uma-sub')).toEqual({ say: false, wave: false });
  });

  it('unassigning one role leaves the permissions of the other', async () => {
    await permit.api.syncUser({ key: 'olga-sub' });
    await permit.api.assignRole({ user: 'olga-sub', role: 'admin', tenant: 'default' });
    await permit.api.assignRole({ user: 'olga-sub', role: 'viewer', tenant: 'default' });
    await permit.api.users.unassignRole({ user: 'olga-sub', role: 'admin', tenant: 'default' });
    expect(await helloPermissions('olga-sub')).toEqual({ say: false, wave: true });
  });

  it('a user nobody synced is denied, and check answers false instead of throwing', async () => {
    expect(await permit.check('nobody-sub', 'wave', 'hello')).toBe(false);
  });

  it('an action the resource does not have is denied even to admin', async () => {
    await permit.api.syncUser({ key: 'ada-sub' });
    await permit.api.assignRole({ user: 'ada-sub', role: 'admin', tenant: 'default' });
    expect(await permit.check('ada-sub', 'shout', 'hello')).toBe(false);
    expect(await permit.check('ada-sub', 'say', 'hello')).toBe(true);
  });

  it('a resource type nobody declared is denied even to admin', async () => {
    await permit.api.syncUser({ key: 'abe-sub' });
    await permit.api.assignRole({ user: 'abe-sub', role: 'admin', tenant: 'default' });
    expect(await permit.check('abe-sub', 'say', 'goodbye')).toBe(false);
    expect(await permit.check('abe-sub', 'say', 'goodbye:g1')).toBe(false);
  });

  it('a type:key resource string is allowed by the role on its type', async () => {
    await permit.api.syncUser({ key: 'kim-sub' });
    await permit.api.assignRole({ user: 'kim-sub', role: 'viewer', tenant: 'default' });
    expect(await permit.check('kim-sub', 'wave', 'hello:greeting-1')).toBe(true);
    expect(await permit.check('kim-sub', 'say', 'hello:greeting-1')).toBe(false);
  });

  it('object users and resources, with attributes, an explicit tenant and a context, are checked like keys', async () => {
    await permit.api.syncUser({ key: 'otto-sub', attributes: { department: 'sales' } });
    await permit.api.assignRole({ user: 'otto-sub', role: 'viewer', tenant: 'default' });
    const user = { key: 'otto-sub', email: 'otto@example.com', attributes: { department: 'sales' } };
    const resource = { type: 'hello', key: 'greeting-2', tenant: 'default', attributes: { language: 'en' } };
    expect(await permit.check(user, 'wave', resource, { ip: '10.0.0.1' })).toBe(true);
    expect(await permit.check(user, 'say', resource, { ip: '10.0.0.1' })).toBe(false);
  });

  it('a role assigned in one tenant grants nothing in another', async () => {
    await permit.api.tenants.create({ key: 'acme', name: 'Acme' });
    await permit.api.syncUser({ key: 'tess-sub' });
    await permit.api.assignRole({ user: 'tess-sub', role: 'admin', tenant: 'acme' });
    expect(await helloPermissions('tess-sub', 'acme')).toEqual({ say: true, wave: true });
    expect(await helloPermissions('tess-sub', 'default')).toEqual({ say: false, wave: false });
    expect(await helloPermissions('tess-sub')).toEqual({ say: false, wave: false });
    expect(await permit.check('tess-sub', 'say', { type: 'hello', key: 'g', tenant: 'no-such-tenant' })).toBe(false);
  });

  it('a user key nobody could have synced is denied, not refused', async () => {
    expect(await permit.check('not a synced key!', 'wave', 'hello')).toBe(false);
    expect(await permit.check({ key: 'x'.repeat(300) }, 'wave', 'hello')).toBe(false);
  });

  it('getUserPermissions names the permissions and roles the user holds in each tenant', async () => {
    await permit.api.syncUser({ key: 'perm-sub' });
    await permit.api.assignRole({ user: 'perm-sub', role: 'admin', tenant: 'default' });
    const permissions = await permit.getUserPermissions('perm-sub', ['default']);
    const tenant = permissions['__tenant:default'];
    expect(tenant, JSON.stringify(permissions)).toBeDefined();
    expect([...tenant!.permissions].sort()).toEqual(['hello:say', 'hello:wave']);
    expect(tenant!.roles).toEqual(['admin']);
    expect(await permit.getUserPermissions('nobody-sub', ['default'])).not.toHaveProperty(['__tenant:default', 'permissions', 0]);
  });

  it('bulkCheck answers every check, in order', async () => {
    await permit.api.syncUser({ key: 'bea-sub' });
    await permit.api.assignRole({ user: 'bea-sub', role: 'viewer', tenant: 'default' });
    await permit.api.syncUser({ key: 'bob-sub' });
    await permit.api.assignRole({ user: 'bob-sub', role: 'admin', tenant: 'default' });
    const answers = await permit.bulkCheck([
      { user: 'bea-sub', action: 'wave', resource: 'hello' },
      { user: 'bea-sub', action: 'say', resource: 'hello' },
      { user: 'bob-sub', action: 'say', resource: 'hello:greeting-3' },
      { user: { key: 'bob-sub', attributes: { x: 1 } }, action: 'wave', resource: { type: 'hello', key: 'g', tenant: 'default' } },
      { user: 'nobody-sub', action: 'wave', resource: 'hello' },
      { user: 'bob-sub', action: 'shout', resource: 'hello' },
      { user: 'bob-sub', action: 'say', resource: { type: 'hello', tenant: 'acme-elsewhere' } },
    ]);
    expect(answers).toEqual([true, false, true, true, false, false, false]);
  });

  it('bulkCheck of no checks answers an empty list', async () => {
    expect(await permit.bulkCheck([])).toEqual([]);
  });
});

describe('Users through the management API', () => {
  it('sync creates the user the first time and updates it the second time, without a duplicate', async () => {
    const first = await permit.api.users.sync({ key: 'sam-sub', email: 'sam@example.com', first_name: 'Sam' });
    expect(first.created).toBe(true);
    expect(first.user).toMatchObject({ key: 'sam-sub', email: 'sam@example.com', first_name: 'Sam' });
    const second = await permit.api.users.sync({ key: 'sam-sub', email: 'samuel@example.com', first_name: 'Samuel', last_name: 'Sync' });
    expect(second.created).toBe(false);
    expect(second.user).toMatchObject({ key: 'sam-sub', email: 'samuel@example.com', first_name: 'Samuel', last_name: 'Sync' });
    expect(second.user.id).toBe(first.user.id);
    const page = await permit.api.users.list({ perPage: 100, search: 'sam-sub' });
    expect(page.data.filter((u) => u.key === 'sam-sub')).toHaveLength(1);
    expect(await permit.api.users.get('sam-sub')).toMatchObject({ email: 'samuel@example.com', first_name: 'Samuel' });
  });

  it('a second sync keeps the roles the user already has', async () => {
    await permit.api.syncUser({ key: 'rex-sub', email: 'rex@example.com' });
    await permit.api.assignRole({ user: 'rex-sub', role: 'viewer', tenant: 'default' });
    await permit.api.syncUser({ key: 'rex-sub', email: 'rex2@example.com' });
    expect(await helloPermissions('rex-sub')).toEqual({ say: false, wave: true });
  });

  it('syncUser returns the user as Permit reads it back', async () => {
    const user = await permit.api.syncUser({ key: 'rita-sub', email: 'rita@example.com', first_name: 'Rita', last_name: 'Read', attributes: { plan: 'pro' } });
    expect(user).toMatchObject({ key: 'rita-sub', email: 'rita@example.com', first_name: 'Rita', last_name: 'Read', attributes: { plan: 'pro' } });
    for (const field of ['id', 'organization_id', 'project_id', 'environment_id', 'created_at', 'updated_at'] as const) expect(typeof user[field], field).toBe('string');
    expect(Number.isNaN(Date.parse(user.created_at))).toBe(false);
  });

  it('syncUser with role_assignments assigns the roles in the same call', async () => {
    await permit.api.syncUser({ key: 'rose-sub', email: 'rose@example.com', role_assignments: [{ role: 'viewer', tenant: 'default' }] });
    expect(await helloPermissions('rose-sub')).toEqual({ say: false, wave: true });
  });

  it('create, get, update, list and delete a user', async () => {
    const created = await permit.api.users.create({ key: 'cleo-sub', email: 'cleo@example.com', first_name: 'Cleo' });
    expect(created).toMatchObject({ key: 'cleo-sub', email: 'cleo@example.com', first_name: 'Cleo' });
    expect(typeof created.id).toBe('string');
    expect(await permit.api.users.get('cleo-sub')).toMatchObject({ key: 'cleo-sub', id: created.id, email: 'cleo@example.com' });
    const updated = await permit.api.users.update('cleo-sub', { last_name: 'Patched' });
    expect(updated).toMatchObject({ key: 'cleo-sub', email: 'cleo@example.com', first_name: 'Cleo', last_name: 'Patched' });
    const page = await permit.api.users.list({ perPage: 100 });
    expect(page.data.map((u) => u.key)).toContain('cleo-sub');
    expect(page.total_count).toBeGreaterThanOrEqual(page.data.length);
    await permit.api.users.delete('cleo-sub');
    await expectPermitApiError(permit.api.users.get('cleo-sub'), 404);
  });

  it('the deprecated listUsers returns the users of the page', async () => {
    await permit.api.createUser({ key: 'liam-sub' });
    const users = await permit.api.listUsers();
    expect(Array.isArray(users)).toBe(true);
    expect(users.map((u) => u.key)).toContain('liam-sub');
  });

  it('a deleted user loses its permissions', async () => {
    await permit.api.syncUser({ key: 'dan-sub' });
    await permit.api.assignRole({ user: 'dan-sub', role: 'admin', tenant: 'default' });
    expect(await permit.check('dan-sub', 'say', 'hello')).toBe(true);
    await permit.api.users.delete('dan-sub');
    expect(await helloPermissions('dan-sub')).toEqual({ say: false, wave: false });
  });

  it('getAssignedRoles lists the role assignments of the user', async () => {
    await permit.api.syncUser({ key: 'gus-sub' });
    const assignment = await permit.api.users.assignRole({ user: 'gus-sub', role: 'viewer', tenant: 'default' });
    expect(assignment).toMatchObject({ user: 'gus-sub', role: 'viewer', tenant: 'default' });
    const assigned = await permit.api.users.getAssignedRoles({ user: 'gus-sub', tenant: 'default' });
    expect(assigned.map((a) => ({ user: a.user, role: a.role, tenant: a.tenant }))).toEqual([{ user: 'gus-sub', role: 'viewer', tenant: 'default' }]);
    const everywhere = await permit.api.users.getAssignedRoles({ user: 'gus-sub' });
    expect(everywhere.map((a) => a.role)).toEqual(['viewer']);
    expect(await permit.api.getAssignedRoles('gus-sub', 'default')).toHaveLength(1);
  });
  it('getAssignedRoles with includeTotalCount answers a page with the total count', async () => {
    await permit.api.syncUser({ key: 'tot-sub' });
    await permit.api.assignRole({ user: 'tot-sub', role: 'admin', tenant: 'default' });
    await permit.api.assignRole({ user: 'tot-sub', role: 'viewer', tenant: 'default' });
    const page = await permit.api.users.getAssignedRoles({ user: 'tot-sub', includeTotalCount: true, perPage: 1 });
    expect(page.total_count, JSON.stringify(page)).toBe(2);
    expect(page.data).toHaveLength(1);
  });

  it('getAssignedRoles with detailed names the user, the role and the tenant as objects', async () => {
    await permit.api.syncUser({ key: 'det-sub', email: 'det@example.com' });
    await permit.api.assignRole({ user: 'det-sub', role: 'viewer', tenant: 'default' });
    const [detailed, ...rest] = await permit.api.users.getAssignedRoles({ user: 'det-sub', detailed: true });
    expect(rest).toEqual([]);
    expect(detailed?.user, JSON.stringify(detailed)).toMatchObject({ key: 'det-sub', email: 'det@example.com' });
    expect(detailed?.role).toMatchObject({ key: 'viewer' });
    expect(detailed?.tenant).toMatchObject({ key: 'default' });
    expect(typeof detailed?.role.id).toBe('string');
  });

  it('users.list filtered by role names only the users holding that role', async () => {
    await permit.api.roles.create({ key: 'auditor', name: 'Auditor', permissions: ['hello:wave'] });
    await permit.api.syncUser({ key: 'audrey-sub' });
    await permit.api.assignRole({ user: 'audrey-sub', role: 'auditor', tenant: 'default' });
    await permit.api.syncUser({ key: 'not-auditor-sub' });
    const page = await permit.api.users.list({ role: 'auditor', perPage: 100 });
    expect(page.data.map((u) => u.key)).toEqual(['audrey-sub']);
    expect(page.total_count).toBe(1);
  });
});

describe('Role assignments through the management API', () => {
  it('roleAssignments.assign, list and unassign', async () => {
    await permit.api.syncUser({ key: 'ray-sub' });
    const created = await permit.api.roleAssignments.assign({ user: 'ray-sub', role: 'admin', tenant: 'default' });
    expect(created).toMatchObject({ user: 'ray-sub', role: 'admin', tenant: 'default' });
    for (const field of ['id', 'user_id', 'role_id', 'tenant_id', 'created_at'] as const) expect(typeof created[field], field).toBe('string');
    const listed = await permit.api.roleAssignments.list({ user: 'ray-sub' });
    expect(listed.map((a) => `${a.user}/${a.role}/${a.tenant}`)).toEqual(['ray-sub/admin/default']);
    expect(await permit.api.roleAssignments.list({ user: 'ray-sub', role: 'viewer' })).toEqual([]);
    await permit.api.roleAssignments.unassign({ user: 'ray-sub', role: 'admin', tenant: 'default' });
    expect(await permit.api.roleAssignments.list({ user: 'ray-sub' })).toEqual([]);
    expect(await permit.check('ray-sub', 'say', 'hello')).toBe(false);
  });

  it('listed role assignments carry the ids of the user, the role and the tenant, as the created one does', async () => {
    await permit.api.syncUser({ key: 'ids-sub' });
    const created = await permit.api.roleAssignments.assign({ user: 'ids-sub', role: 'viewer', tenant: 'default' });
    const [listed, ...rest] = await permit.api.roleAssignments.list({ user: 'ids-sub' });
    expect(rest).toEqual([]);
    expect(listed, JSON.stringify(listed)).toMatchObject({ id: created.id, user_id: created.user_id, role_id: created.role_id, tenant_id: created.tenant_id });
  });

  it('bulkAssign and bulkUnassign change several users at once', async () => {
    for (const key of ['bulk-1', 'bulk-2']) await permit.api.syncUser({ key });
    await permit.api.roleAssignments.bulkAssign([
      { user: 'bulk-1', role: 'admin', tenant: 'default' },
      { user: 'bulk-2', role: 'viewer', tenant: 'default' },
    ]);
    expect(await permit.bulkCheck([
      { user: 'bulk-1', action: 'say', resource: 'hello' },
      { user: 'bulk-2', action: 'say', resource: 'hello' },
      { user: 'bulk-2', action: 'wave', resource: 'hello' },
    ])).toEqual([true, false, true]);
    await permit.api.roleAssignments.bulkUnassign([
      { user: 'bulk-1', role: 'admin', tenant: 'default' },
      { user: 'bulk-2', role: 'viewer', tenant: 'default' },
    ]);
    expect(await permit.bulkCheck([
      { user: 'bulk-1', action: 'say', resource: 'hello' },
      { user: 'bulk-2', action: 'wave', resource: 'hello' },
    ])).toEqual([false, false]);
  });
});

describe('Schema and tenants through the management API', () => {
  it('a resource, a role and a tenant created through the SDK take effect in checks', async () => {
    const resource = await permit.api.resources.create({ key: 'document', name: 'Document', actions: { read: {}, write: {} } });
    expect(resource).toMatchObject({ key: 'document', name: 'Document' });
    expect(Object.keys(resource.actions ?? {}).sort()).toEqual(['read', 'write']);
    const role = await permit.api.roles.create({ key: 'reader', name: 'Reader', permissions: ['document:read'] });
    expect(role).toMatchObject({ key: 'reader', name: 'Reader', permissions: ['document:read'] });
    const tenant = await permit.api.tenants.create({ key: 'globex', name: 'Globex', attributes: { plan: 'pro' } });
    expect(tenant).toMatchObject({ key: 'globex', name: 'Globex', attributes: { plan: 'pro' } });
    await permit.api.users.create({ key: 'rick-sub', email: 'rick@example.com' });
    await permit.api.users.assignRole({ user: 'rick-sub', role: 'reader', tenant: 'globex' });

    const doc = { type: 'document', key: 'd1', tenant: 'globex' };
    expect(await permit.check('rick-sub', 'read', doc)).toBe(true);
    expect(await permit.check('rick-sub', 'write', doc)).toBe(false);
    expect(await permit.check('rick-sub', 'read', 'document:d1')).toBe(false);

    await permit.api.roles.assignPermissions('reader', ['document:write']);
    expect(await permit.check('rick-sub', 'write', doc)).toBe(true);
    await permit.api.roles.removePermissions('reader', ['document:write']);
    expect(await permit.check('rick-sub', 'write', doc)).toBe(false);
    expect(await permit.check('rick-sub', 'read', doc)).toBe(true);
  });

  it('created schema objects read back in Permit\'s shapes and show in the lists', async () => {
    await permit.api.resources.create({ key: 'invoice', name: 'Invoice', description: 'Bills', actions: { pay: {}, view: {} } });
    const resource = await permit.api.resources.get('invoice');
    expect(resource).toMatchObject({ key: 'invoice', name: 'Invoice', description: 'Bills' });
    for (const field of ['id', 'organization_id', 'project_id', 'environment_id', 'created_at', 'updated_at'] as const) expect(typeof resource[field], field).toBe('string');
    expect(Object.keys(resource.actions ?? {}).sort()).toEqual(['pay', 'view']);
    expect((await permit.api.resources.list()).map((r) => r.key)).toEqual(expect.arrayContaining(['hello', 'invoice']));

    await permit.api.roles.create({ key: 'payer', name: 'Payer', permissions: ['invoice:pay'] });
    expect(await permit.api.roles.get('payer')).toMatchObject({ key: 'payer', name: 'Payer', permissions: ['invoice:pay'] });
    const roles = await permit.api.roles.list();
    expect(roles.map((r) => r.key)).toEqual(expect.arrayContaining(['admin', 'viewer', 'payer']));
    expect(roles.find((r) => r.key === 'viewer')?.permissions).toEqual(['hello:wave']);
    expect([...(roles.find((r) => r.key === 'admin')?.permissions ?? [])].sort()).toEqual(['hello:say', 'hello:wave']);

    await permit.api.tenants.create({ key: 'initech', name: 'Initech' });
    const tenant = await permit.api.tenants.get('initech');
    expect(tenant).toMatchObject({ key: 'initech', name: 'Initech' });
    expect(typeof tenant.id).toBe('string');
    expect((await permit.api.tenants.list()).map((t) => t.key)).toEqual(expect.arrayContaining(['default', 'initech']));
  });

  it('the resources of seed 000 are visible through the API as configured', async () => {
    const hello = await permit.api.resources.get('hello');
    expect(hello.key).toBe('hello');
    expect(Object.keys(hello.actions ?? {}).sort()).toEqual(['say', 'wave']);
  });

  it('updating a role\'s permissions changes what its users may do', async () => {
    await permit.api.roles.create({ key: 'waver', name: 'Waver', permissions: ['hello:wave'] });
    await permit.api.syncUser({ key: 'walt-sub' });
    await permit.api.assignRole({ user: 'walt-sub', role: 'waver', tenant: 'default' });
    expect(await helloPermissions('walt-sub')).toEqual({ say: false, wave: true });
    const updated = await permit.api.roles.update('waver', { name: 'Sayer', permissions: ['hello:say'] });
    expect(updated).toMatchObject({ key: 'waver', name: 'Sayer', permissions: ['hello:say'] });
    expect(await helloPermissions('walt-sub')).toEqual({ say: true, wave: false });
  });

  it('updating a resource adds an action roles can then be given', async () => {
    await permit.api.resources.create({ key: 'ticket', name: 'Ticket', actions: { open: {} } });
    const updated = await permit.api.resources.update('ticket', { actions: { open: {}, close: {} } });
    expect(Object.keys(updated.actions ?? {}).sort()).toEqual(['close', 'open']);
    await permit.api.roles.create({ key: 'closer', name: 'Closer', permissions: ['ticket:close'] });
    await permit.api.syncUser({ key: 'cora-sub' });
    await permit.api.assignRole({ user: 'cora-sub', role: 'closer', tenant: 'default' });
    expect(await permit.check('cora-sub', 'close', 'ticket:t1')).toBe(true);
    expect(await permit.check('cora-sub', 'open', 'ticket:t1')).toBe(false);
  });

  it('replacing a resource replaces its actions', async () => {
    await permit.api.resources.create({ key: 'memo', name: 'Memo', actions: { read: {}, write: {} } });
    const replaced = await permit.api.resources.replace('memo', { name: 'Memo v2', actions: { read: {} } });
    expect(replaced).toMatchObject({ key: 'memo', name: 'Memo v2' });
    expect(Object.keys((await permit.api.resources.get('memo')).actions ?? {})).toEqual(['read']);
  });

  it('tenants are updated and deleted, and listTenantUsers names the users with roles in the tenant', async () => {
    await permit.api.tenants.create({ key: 'umbrella', name: 'Umbrella' });
    expect(await permit.api.tenants.update('umbrella', { name: 'Umbrella Corp', description: 'R&D' })).toMatchObject({ key: 'umbrella', name: 'Umbrella Corp', description: 'R&D' });
    await permit.api.syncUser({ key: 'ulla-sub' });
    await permit.api.assignRole({ user: 'ulla-sub', role: 'viewer', tenant: 'umbrella' });
    const users = await permit.api.tenants.listTenantUsers({ tenantKey: 'umbrella' });
    expect(users.data.map((u) => u.key)).toEqual(['ulla-sub']);
    await permit.api.tenants.delete('umbrella');
    await expectPermitApiError(permit.api.tenants.get('umbrella'), 404);
    expect(await permit.check('ulla-sub', 'wave', { type: 'hello', tenant: 'umbrella' })).toBe(false);
  });

  it('a deleted role grants nothing and can no longer be assigned', async () => {
    await permit.api.roles.create({ key: 'ephemeral', name: 'Ephemeral', permissions: ['hello:say'] });
    await permit.api.syncUser({ key: 'eve-sub' });
    await permit.api.assignRole({ user: 'eve-sub', role: 'ephemeral', tenant: 'default' });
    expect(await permit.check('eve-sub', 'say', 'hello')).toBe(true);
    await permit.api.roles.delete('ephemeral');
    expect(await permit.check('eve-sub', 'say', 'hello')).toBe(false);
    await expectPermitApiError(permit.api.roles.get('ephemeral'), 404);
    await expectPermitApiError(permit.api.users.assignRole({ user: 'eve-sub', role: 'ephemeral', tenant: 'default' }), 404);
  });

  it('the deprecated create helpers create what the new API reads', async () => {
    await permit.api.createResource({ key: 'report', name: 'Report', actions: { export: {} } });
    await permit.api.createRole({ key: 'exporter', name: 'Exporter', permissions: ['report:export'] });
    await permit.api.createTenant({ key: 'hooli', name: 'Hooli' });
    await permit.api.createUser({ key: 'hank-sub' });
    await permit.api.assignRole({ user: 'hank-sub', role: 'exporter', tenant: 'hooli' });
    expect(await permit.api.getRole('exporter')).toMatchObject({ key: 'exporter', permissions: ['report:export'] });
    expect(await permit.api.getTenant('hooli')).toMatchObject({ key: 'hooli', name: 'Hooli' });
    expect(await permit.check('hank-sub', 'export', { type: 'report', tenant: 'hooli' })).toBe(true);
  });
});

describe('Management errors surface as the SDK\'s errors', () => {
  /** Permit's error body has a machine code and a message; the SDK makes the message its own. */
  function expectPermitErrorShape(error: Error, body: { error_code?: unknown; message?: unknown }): void {
    expect(typeof body.message, JSON.stringify(body)).toBe('string');
    expect(body.message).not.toBe('');
    expect(error.message).toBe(body.message);
    expect(typeof body.error_code, JSON.stringify(body)).toBe('string');
  }

  it('assigning a role that does not exist fails with a 404 PermitApiError', async () => {
    await permit.api.syncUser({ key: 'err-sub' });
    const { error, body } = await expectPermitApiError(permit.api.users.assignRole({ user: 'err-sub', role: 'no-such-role', tenant: 'default' }), 404);
    expectPermitErrorShape(error, body);
    expect(await permit.api.users.getAssignedRoles({ user: 'err-sub' })).toEqual([]);
  });

  it('assigning a role in a tenant that does not exist fails with a 404 PermitApiError', async () => {
    await permit.api.syncUser({ key: 'err2-sub' });
    const { error, body } = await expectPermitApiError(permit.api.roleAssignments.assign({ user: 'err2-sub', role: 'admin', tenant: 'no-such-tenant' }), 404);
    expectPermitErrorShape(error, body);
  });

  it('assigning a role to a user that does not exist fails with a 404 PermitApiError', async () => {
    const { error, body } = await expectPermitApiError(permit.api.users.assignRole({ user: 'ghost-sub', role: 'admin', tenant: 'default' }), 404);
    expectPermitErrorShape(error, body);
    expect(await permit.check('ghost-sub', 'say', 'hello')).toBe(false);
  });

  it('reading what does not exist fails with a 404 PermitApiError', async () => {
    for (const call of [permit.api.users.get('no-such-user'), permit.api.roles.get('no-such-role'), permit.api.resources.get('no-such-resource'), permit.api.tenants.get('no-such-tenant')]) {
      const { error, body } = await expectPermitApiError(call, 404);
      expectPermitErrorShape(error, body);
    }
  });

  it('the deprecated assignRole rethrows the raw axios error with the 404', async () => {
    await permit.api.syncUser({ key: 'err3-sub' });
    const error = (await thrownBy(permit.api.assignRole({ user: 'err3-sub', role: 'no-such-role', tenant: 'default' }))) as Error & { response?: { status: number; data: { message?: unknown } } };
    expect(error.name).toBe('AxiosError');
    expect(error.response?.status).toBe(404);
    expect(typeof error.response?.data.message).toBe('string');
  });

  it('creating a user, tenant, role or resource whose key is taken fails with a 409 PermitApiError', async () => {
    await permit.api.users.create({ key: 'dup-sub' });
    await permit.api.tenants.create({ key: 'dup-tenant', name: 'Dup' });
    for (const call of [
      permit.api.users.create({ key: 'dup-sub' }),
      permit.api.tenants.create({ key: 'dup-tenant', name: 'Dup again' }),
      permit.api.tenants.create({ key: 'default', name: 'Default again' }),
      permit.api.roles.create({ key: 'admin', name: 'Admin again' }),
      permit.api.resources.create({ key: 'hello', name: 'Hello again', actions: { say: {} } }),
    ]) {
      const { error, body } = await expectPermitApiError(call, 409);
      expectPermitErrorShape(error, body);
    }
    // The first objects are untouched.
    expect(await permit.api.tenants.get('dup-tenant')).toMatchObject({ name: 'Dup' });
    expect((await permit.api.roles.get('admin')).permissions?.slice().sort()).toEqual(['hello:say', 'hello:wave']);
  });

  it('a body Permit would refuse fails with a 422 PermitApiError and creates nothing', async () => {
    const refused: Array<Promise<unknown>> = [
      // UserCreate needs a key.
      permit.api.users.create({ email: 'keyless@example.com' } as never),
      // TenantCreate and RoleCreate need a name.
      permit.api.tenants.create({ key: 'nameless-tenant' } as never),
      permit.api.roles.create({ key: 'nameless-role' } as never),
      // ResourceCreate needs actions.
      permit.api.resources.create({ key: 'actionless', name: 'Actionless' } as never),
      // A key is a slug.
      permit.api.roles.create({ key: 'has spaces', name: 'Spaces' }),
      // An assignment needs a role.
      permit.api.users.assignRole({ user: 'err-sub', tenant: 'default' } as never),
    ];
    for (const call of refused) {
      const { error, body } = await expectPermitApiError(call, 422);
      expect(typeof body.message, JSON.stringify(body)).toBe('string');
      expect(error.message).toBe(body.message);
    }
    await expectPermitApiError(permit.api.tenants.get('nameless-tenant'), 404);
    await expectPermitApiError(permit.api.roles.get('nameless-role'), 404);
    await expectPermitApiError(permit.api.resources.get('actionless'), 404);
  });

  it('a role whose permission names an unknown resource or action is refused', async () => {
    const error = await thrownBy(permit.api.roles.create({ key: 'bad-perms', name: 'Bad', permissions: ['hello:shout'] }));
    expect((error as { response?: { status: number } }).response?.status).toBeOneOf([400, 404, 422]);
    await expectPermitApiError(permit.api.roles.get('bad-perms'), 404);
  });
});

describe('API keys and environments', () => {
  it('the API key scope names an organization, a project and an environment, and the SDK builds its paths from them', async () => {
    const scope = await permitRaw(server.url, 'GET', '/v2/api-key/scope', { token: API_KEY });
    expect(scope.status).toBe(200);
    const body = scope.body as { organization_id?: unknown; project_id?: unknown; environment_id?: unknown };
    for (const field of ['organization_id', 'project_id', 'environment_id'] as const) {
      expect(typeof body[field], field).toBe('string');
      expect(body[field]).not.toBe('');
    }
    const fresh = permitClient(server.url, API_KEY);
    await fresh.api.users.list();
    expect(fresh.config.apiContext.environmentContext).toEqual({ projId: body.project_id, envId: body.environment_id });
  });

  it('a management call with a wrong API key fails in the scope fetch, with the SDK\'s PermitContextError', async () => {
    const scope = await permitRaw(server.url, 'GET', '/v2/api-key/scope', { token: WRONG_KEY });
    expect(scope.status).toBe(401);
    expect((await permitRaw(server.url, 'GET', '/v2/api-key/scope')).status).toBe(401);

    const wrong = permitClient(server.url, WRONG_KEY);
    for (const call of [wrong.api.users.sync({ key: 'mallory-sub' }), wrong.api.assignRole({ user: 'alice-sub', role: 'admin', tenant: 'default' }), wrong.api.roles.list()]) {
      const error = await thrownBy(call);
      expect(error).toBeInstanceOf(PermitContextError);
      expect(error.message).toBe('could not fetch the api key scope in order to set the api context level');
    }
    await expectPermitApiError(permit.api.users.get('mallory-sub'), 404);
  });

  it('the management routes refuse a wrong API key even with the right project and environment in the path', async () => {
    const scope = (await permitRaw(server.url, 'GET', '/v2/api-key/scope', { token: API_KEY })).body as { project_id: string; environment_id: string };
    const base = `/v2/facts/${scope.project_id}/${scope.environment_id}`;
    expect((await permitRaw(server.url, 'GET', `${base}/users`, { token: API_KEY })).status).toBe(200);
    expect((await permitRaw(server.url, 'GET', `${base}/users`, { token: WRONG_KEY })).status).toBe(401);
    expect((await permitRaw(server.url, 'GET', `${base}/users`)).status).toBe(401);
    const put = await permitRaw(server.url, 'PUT', `${base}/users/mallory-sub`, { token: WRONG_KEY, body: { key: 'mallory-sub' } });
    expect(put.status).toBe(401);
    await expectPermitApiError(permit.api.users.get('mallory-sub'), 404);
  });

  it('check with a wrong API key is refused: the SDK throws PermitConnectionError, or answers false when told not to throw', async () => {
    await permit.api.syncUser({ key: 'kay-sub' });
    await permit.api.assignRole({ user: 'kay-sub', role: 'admin', tenant: 'default' });
    expect(await permit.check('kay-sub', 'say', 'hello')).toBe(true);

    const wrong = permitClient(server.url, WRONG_KEY);
    const error = await thrownBy(wrong.check('kay-sub', 'say', 'hello'));
    expect(error).toBeInstanceOf(PermitConnectionError);
    expect(error.message).toMatch(/Request failed with status code 40[13]/);
    expect(await wrong.check('kay-sub', 'say', 'hello', {}, { throwOnError: false })).toBe(false);
    const bulkError = await thrownBy(wrong.bulkCheck([{ user: 'kay-sub', action: 'say', resource: 'hello' }]));
    expect(bulkError).toBeInstanceOf(PermitConnectionError);
    expect(bulkError.message).toMatch(/Request failed with status code 40[13]/);

    const raw = await permitRaw(server.url, 'POST', '/allowed', { token: WRONG_KEY, body: { user: { key: 'kay-sub' }, action: 'say', resource: { type: 'hello', tenant: 'default' }, context: {} } });
    expect([401, 403]).toContain(raw.status);
    expect((await permitRaw(server.url, 'POST', '/allowed', { body: { user: { key: 'kay-sub' }, action: 'say', resource: { type: 'hello', tenant: 'default' }, context: {} } })).status).toBeOneOf([401, 403]);
  });

  it('the PDP answers in the shape the SDK reads: a boolean allow, and a list of them for bulk', async () => {
    const input = { user: { key: 'kay-sub' }, action: 'say', resource: { type: 'hello', tenant: 'default' }, context: {} };
    const single = await permitRaw(server.url, 'POST', '/allowed', { token: API_KEY, body: input });
    expect(single.status).toBe(200);
    expect((single.body as { allow: unknown }).allow).toBe(true);
    const bulk = await permitRaw(server.url, 'POST', '/allowed/bulk', { token: API_KEY, body: [input, { ...input, action: 'shout' }] });
    expect(bulk.status).toBe(200);
    expect((bulk.body as { allow: Array<{ allow: unknown }> }).allow.map((d) => d.allow)).toEqual([true, false]);
  });

  it('an API key reaches only its own environment', async () => {
    await permit.api.syncUser({ key: 'env-sub' });
    await permit.api.assignRole({ user: 'env-sub', role: 'admin', tenant: 'default' });
    const staging = permitClient(server.url, STAGING_KEY);
    expect(await staging.check('env-sub', 'say', 'hello')).toBe(false);
    await expectPermitApiError(staging.api.users.get('env-sub'), 404);

    await staging.api.syncUser({ key: 'env-sub' });
    await staging.api.assignRole({ user: 'env-sub', role: 'viewer', tenant: 'default' });
    expect({ say: await staging.check('env-sub', 'say', 'hello'), wave: await staging.check('env-sub', 'wave', 'hello') }).toEqual({ say: false, wave: true });
    expect(await helloPermissions('env-sub')).toEqual({ say: true, wave: true });

    const stagingScope = (await permitRaw(server.url, 'GET', '/v2/api-key/scope', { token: STAGING_KEY })).body as { environment_id: string; project_id: string; organization_id: string };
    const defaultScope = (await permitRaw(server.url, 'GET', '/v2/api-key/scope', { token: API_KEY })).body as { environment_id: string; project_id: string; organization_id: string };
    expect(stagingScope.environment_id).not.toBe(defaultScope.environment_id);
    expect(stagingScope.project_id).toBe(defaultScope.project_id);
    // The staging key may not reach the default environment by naming it in the path.
    const cross = await permitRaw(server.url, 'GET', `/v2/facts/${defaultScope.project_id}/${defaultScope.environment_id}/users/env-sub`, { token: STAGING_KEY });
    expect([401, 403, 404]).toContain(cross.status);
  });
});
