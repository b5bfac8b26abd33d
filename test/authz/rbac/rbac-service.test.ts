import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTessera, type Tessera } from '../../../src/app.ts';
import { applyConfig } from '../../../src/config/apply.ts';
import { ConfigFile } from '../../../src/config/schema.ts';
import { RbacError } from '../../../src/authz/rbac/errors.ts';
import type { RbacEnvironment } from '../../../src/authz/rbac/model.ts';
import { backends, freshDatabase } from '../../support/databases.ts';

/** A clock tests move by hand, so the one-second index recheck can be stepped over. */
const clock = { t: Date.UTC(2026, 10, 25), now() { return this.t; } };

describe.each(backends())('Permit-style RBAC (%s)', (backend) => {
  let t: Tessera;
  let env: RbacEnvironment;
  let drop: () => Promise<void>;
  let dbUrl: string;
  const check = (user: string, action: string, type: string, tenant = 'default') => t.rbac.checkIn(env, { user: { key: user }, action, resource: { type, tenant } });
  const rejection = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => (e instanceof RbacError ? e.kind : e));

  beforeAll(async () => {
    const db = await freshDatabase(backend);
    drop = db.drop;
    dbUrl = db.url;
    t = await createTessera({ db: db.url, region: 'us-east-1', publicUrl: 'http://127.0.0.1', issuerStyle: 'tessera', clock });
    await applyConfig(
      t,
      ConfigFile.parse({
        userPools: [{ name: 'sync-pool', id: 'us-east-1_RbacSync1', groups: [{ name: 'admins' }, { name: 'staff' }], clients: [{ name: 'app', id: 'rbacsyncclient000000000001', ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH'] }] }],
        rbac: {
          environments: [
            {
              key: 'default',
              resources: [{ key: 'hello', actions: ['say', 'wave'] }, { key: 'doc', actions: ['read', 'write'] }],
              roles: [
                { key: 'admin', permissions: ['hello:*'], extends: ['reader'] },
                { key: 'viewer', permissions: ['hello:wave'] },
                { key: 'reader', permissions: ['doc:read'] },
              ],
              tenants: [{ key: 'default' }, { key: 'acme' }],
              users: [
                { key: 'ada', roles: [{ role: 'admin', tenant: 'default' }] },
                { key: 'vic', roles: [{ role: 'viewer', tenant: 'default' }, { role: 'admin', tenant: 'acme' }] },
              ],
              userPoolSync: { userPool: 'sync-pool', groupRoles: { admins: 'admin', staff: ['viewer'] } },
            },
          ],
        },
      }),
    );
    env = await t.rbac.environment('default');
  });
  afterAll(async () => {
    await t.close();
    await drop();
  });

  it('allows an action a role of the user grants in the tenant, and nothing else', async () => {
    expect((await check('vic', 'wave', 'hello')).allow).toBe(true);
    expect((await check('vic', 'say', 'hello')).allow).toBe(false);
    expect((await check('nobody', 'wave', 'hello')).allow).toBe(false);
  });

  it('expands resource:* to every action and follows extends', async () => {
    expect((await check('ada', 'say', 'hello')).allow).toBe(true);
    expect((await check('ada', 'wave', 'hello')).allow).toBe(true);
    const inherited = await check('ada', 'read', 'doc');
    expect(inherited).toMatchObject({ allow: true, grantingRoles: ['admin'] });
    expect((await check('ada', 'write', 'doc')).allow).toBe(false);
  });

  it('keeps tenants apart: a role in one tenant grants nothing in another', async () => {
    expect((await check('vic', 'say', 'hello', 'acme')).allow).toBe(true);
    expect((await check('ada', 'say', 'hello', 'acme')).allow).toBe(false);
  });

  it('denies unknown resource types and actions and says why', async () => {
    expect(await check('ada', 'say', 'nothing')).toMatchObject({ allow: false, reason: "resource type 'nothing' is not defined" });
    expect(await check('ada', 'shout', 'hello')).toMatchObject({ allow: false, reason: "resource type 'hello' has no action 'shout'" });
  });

  it('applies a new role assignment and its removal at once', async () => {
    await t.rbac.admin.createUser(env, { key: 'newbie' });
    expect((await check('newbie', 'wave', 'hello')).allow).toBe(false);
    await t.rbac.admin.assign(env, { user: 'newbie', role: 'viewer', tenant: 'default' });
    expect((await check('newbie', 'wave', 'hello')).allow).toBe(true);
    await t.rbac.admin.unassign(env, { user: 'newbie', role: 'viewer', tenant: 'default' });
    expect((await check('newbie', 'wave', 'hello')).allow).toBe(false);
  });

  it('applies a permission change made through this instance at once', async () => {
    await t.rbac.admin.changePermissions(env, 'viewer', ['hello:say'], true);
    expect((await check('vic', 'say', 'hello')).allow).toBe(true);
    await t.rbac.admin.changePermissions(env, 'viewer', ['hello:say'], false);
    expect((await check('vic', 'say', 'hello')).allow).toBe(false);
  });

  it('drops permissions on a deleted action or resource from every role', async () => {
    await t.rbac.admin.createResource(env, { key: 'tmp', actions: { a: {}, b: {} } });
    await t.rbac.admin.changePermissions(env, 'viewer', ['tmp:a', 'tmp:b'], true);
    await t.rbac.admin.updateResource(env, 'tmp', { actions: { a: {} } }, true);
    expect((await t.rbac.admin.getRole(env, 'viewer')).permissions).toEqual(['hello:wave', 'tmp:a']);
    await t.rbac.admin.deleteResource(env, 'tmp');
    expect((await t.rbac.admin.getRole(env, 'viewer')).permissions).toEqual(['hello:wave']);
  });

  it('refuses permissions on what does not exist, duplicate keys and loops of extends', async () => {
    expect(await rejection(t.rbac.admin.createRole(env, { key: 'bad', permissions: ['nothing:read'] }))).toBe('not_found');
    expect(await rejection(t.rbac.admin.createRole(env, { key: 'bad', permissions: ['hello:shout'] }))).toBe('not_found');
    expect(await rejection(t.rbac.admin.createRole(env, { key: 'viewer' }))).toBe('conflict');
    expect(await rejection(t.rbac.admin.updateRole(env, 'reader', { extends: ['admin'] }))).toBe('invalid');
    expect(await rejection(t.rbac.admin.assign(env, { user: 'ada', role: 'ghost', tenant: 'default' }))).toBe('not_found');
    expect(await rejection(t.rbac.admin.assign(env, { user: 'ada', role: 'admin', tenant: 'default' }))).toBe('conflict');
    expect(await rejection(t.rbac.admin.deleteRole(env, 'reader'))).toBe('invalid');
  });

  it('sees another instance\'s schema change within a second', async () => {
    const other = await createTessera({ db: dbUrl, region: 'us-east-1', publicUrl: 'http://127.0.0.1', issuerStyle: 'tessera', clock });
    const otherEnv = await other.rbac.environment('default');
    expect((await other.rbac.checkIn(otherEnv, { user: { key: 'vic' }, action: 'read', resource: { type: 'doc' } })).allow).toBe(false);
    await t.rbac.admin.changePermissions(env, 'viewer', ['doc:read'], true);
    // The other instance answers from its index until the recheck interval has passed.
    expect((await other.rbac.checkIn(otherEnv, { user: { key: 'vic' }, action: 'read', resource: { type: 'doc' } })).allow).toBe(false);
    clock.t += 1_001;
    expect((await other.rbac.checkIn(otherEnv, { user: { key: 'vic' }, action: 'read', resource: { type: 'doc' } })).allow).toBe(true);
    await t.rbac.admin.changePermissions(env, 'viewer', ['doc:read'], false);
    await other.close();
  });

  it("sees another instance's role assignments within a second, and its own at once", async () => {
    const other = await createTessera({ db: dbUrl, region: 'us-east-1', publicUrl: 'http://127.0.0.1', issuerStyle: 'tessera', clock });
    const otherEnv = await other.rbac.environment('default');
    const canWave = async (who: Tessera, e: RbacEnvironment) => (await who.rbac.checkIn(e, { user: { key: 'wendy' }, action: 'wave', resource: { type: 'hello' } })).allow;
    await t.rbac.admin.createUser(env, { key: 'wendy' });
    expect(await canWave(other, otherEnv)).toBe(false);
    await t.rbac.admin.assign(env, { user: 'wendy', role: 'viewer', tenant: 'default' });
    expect(await canWave(t, env)).toBe(true);
    expect(await canWave(other, otherEnv)).toBe(false);
    clock.t += 1_001;
    expect(await canWave(other, otherEnv)).toBe(true);
    await t.rbac.admin.deleteUser(env, 'wendy');
    expect(await canWave(t, env)).toBe(false);
    clock.t += 1_001;
    expect(await canWave(other, otherEnv)).toBe(false);
    await other.close();
  });

  it('syncs a pool user at sign-up and maps their groups to roles at sign-in', async () => {
    const up = t.userPools;
    const user = await up.users.createUser('us-east-1_RbacSync1', { Username: 'carol', UserAttributes: [{ Name: 'email', Value: 'carol@example.com' }], MessageAction: 'SUPPRESS' });
    expect(await t.rbac.admin.getUser(env, user.id)).toMatchObject({ key: user.id, email: 'carol@example.com', attributes: { 'cognito:username': 'carol' } });
    expect((await check(user.id, 'wave', 'hello')).allow).toBe(false);

    await up.users.setPassword('us-east-1_RbacSync1', 'carol', 'Passw0rd!long', true);
    await up.users.addUserToGroup('us-east-1_RbacSync1', 'carol', 'staff');
    const signIn = () => up.auth.initiateAuth({ ClientId: 'rbacsyncclient000000000001', AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'carol', PASSWORD: 'Passw0rd!long' } }, { admin: true, poolId: 'us-east-1_RbacSync1' });
    await signIn();
    expect((await check(user.id, 'wave', 'hello')).allow).toBe(true);
    expect((await check(user.id, 'say', 'hello')).allow).toBe(false);

    // A role given through the API is not the sync's to take away; a group left is.
    await t.rbac.admin.assign(env, { user: user.id, role: 'reader', tenant: 'default' });
    await up.users.removeUserFromGroup('us-east-1_RbacSync1', 'carol', 'staff');
    await up.users.addUserToGroup('us-east-1_RbacSync1', 'carol', 'admins');
    await signIn();
    const roles = (await t.rbac.admin.listAssignments(env, { user: user.id }, { page: 1, perPage: 10 })).map((a) => a.role).sort();
    expect(roles).toEqual(['admin', 'reader']);
  });

  it('opens an environment only with one of its API keys', async () => {
    const key = await t.rbac.issueApiKey(env, 'test');
    expect(key).toMatch(/^permit_key_[A-Za-z0-9_-]{43}$/);
    expect((await t.rbac.environmentOfApiKey(key))?.id).toBe(env.id);
    expect(await t.rbac.environmentOfApiKey(`${key}x`)).toBeUndefined();
    const other = await t.rbac.ensureEnvironment('default', 'staging');
    expect(await rejection(t.rbac.addApiKey(other, key, 'reuse'))).toBe('conflict');
  });
});

describe('RBAC names that are also Object property names', () => {
  it('treats actions called constructor, toString and __proto__ as actions like any other', async () => {
    const db = await freshDatabase('sqlite');
    const t = await createTessera({ db: db.url, region: 'us-east-1', publicUrl: 'http://127.0.0.1', issuerStyle: 'tessera' });
    try {
      const env = await t.rbac.ensureEnvironment('default', 'default');
      await t.rbac.admin.createTenant(env, { key: 'default' });
      await t.rbac.admin.createResource(env, { key: 'obj', actions: JSON.parse('{"constructor":{},"__proto__":{}}') as Record<string, object> });
      expect(Object.keys((await t.rbac.admin.getResource(env, 'obj')).actions).sort()).toEqual(['__proto__', 'constructor']);
      await expect(t.rbac.admin.createRole(env, { key: 'r', permissions: ['obj:toString'] })).rejects.toMatchObject({ kind: 'not_found' });
      await t.rbac.admin.createRole(env, { key: 'r', permissions: ['obj:constructor'] });
      await t.rbac.admin.createUser(env, { key: 'u' });
      await t.rbac.admin.assign(env, { user: 'u', role: 'r', tenant: 'default' });
      const check = (action: string) => t.rbac.checkIn(env, { user: { key: 'u' }, action, resource: { type: 'obj' } });
      expect((await check('constructor')).allow).toBe(true);
      expect((await check('__proto__')).allow).toBe(false);
      expect((await check('toString')).allow).toBe(false);
    } finally {
      await t.close();
      await db.drop();
    }
  });
});
