import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrator.ts';
import { AuthFailureRepository } from '../../src/store/repositories/auth-failures.ts';
import { ChallengeRepository } from '../../src/store/repositories/challenges.ts';
import { CodeRepository } from '../../src/store/repositories/codes.ts';
import { GroupRepository } from '../../src/store/repositories/groups.ts';
import { PoolRepository } from '../../src/store/repositories/pools.ts';
import { SessionRepository } from '../../src/store/repositories/sessions.ts';
import { SigningKeyRepository } from '../../src/store/repositories/signing-keys.ts';
import { UserRepository } from '../../src/store/repositories/users.ts';
import { defaultPoolSettings } from '../../src/userpools/defaults.ts';
import type { User } from '../../src/userpools/model.ts';
import { backends, freshDatabase } from '../support/databases.ts';

const POOL = 'us-east-1_Store0001';

function user(id: string, username: string, attributes: Record<string, string> = {}): User {
  return { id, poolId: POOL, username, status: 'CONFIRMED', enabled: true, passwordHash: 'h', srp: null, passwordUpdatedAt: 1, attributes: { sub: id, ...attributes }, createdAt: 1, updatedAt: 1 };
}

describe.each(backends())('repositories on %s', (backend) => {
  let store: Store;
  let drop: () => Promise<void>;
  let users: UserRepository;
  let groups: GroupRepository;

  beforeAll(async () => {
    const db = await freshDatabase(backend);
    drop = db.drop;
    store = openStore(db.url);
    await migrateToLatest(store.db);
    await new PoolRepository(store.db).insert({ id: POOL, name: 'store', settings: defaultPoolSettings(), createdAt: 1, updatedAt: 1 });
    users = new UserRepository(store.db);
    groups = new GroupRepository(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  it('applies migrations again without error or change', async () => {
    await migrateToLatest(store.db);
    const pool = await new PoolRepository(store.db).find(POOL);
    expect(pool?.name).toBe('store');
  });

  it('round-trips a pool with its settings as they were', async () => {
    const pools = new PoolRepository(store.db);
    const found = await pools.find(POOL);
    expect(found?.settings.Policies.PasswordPolicy.MinimumLength).toBe(8);
    expect(typeof found?.createdAt).toBe('number');
  });

  it('stores users with their attributes and finds them by username key, id and attribute', async () => {
    await users.insert(user('00000000-0000-4000-8000-000000000001', 'Alice', { email: 'alice@example.com' }), 'alice');
    expect((await users.findByUsernameKey(POOL, 'alice'))?.attributes.email).toBe('alice@example.com');
    expect((await users.findById('00000000-0000-4000-8000-000000000001'))?.username).toBe('Alice');
    expect((await users.findByAttribute(POOL, 'email', 'alice@example.com')).map((u) => u.username)).toEqual(['Alice']);
    expect(await users.findByUsernameKey(POOL, 'nobody')).toBeUndefined();
  });

  it('refuses a second user with the same username key in a pool', async () => {
    await expect(users.insert(user('00000000-0000-4000-8000-000000000002', 'ALICE'), 'alice')).rejects.toThrow();
    expect(await users.findById('00000000-0000-4000-8000-000000000002')).toBeUndefined();
  });

  it('replaces and deletes single attributes without touching the others', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    await users.putAttributes(POOL, id, { email: 'a2@example.com', name: 'Alice A' });
    await users.deleteAttributes(id, ['name']);
    const found = await users.findById(id);
    expect(found?.attributes).toEqual({ sub: id, email: 'a2@example.com' });
  });

  it('lists users in username order, by page, and by attribute equality and prefix', async () => {
    for (let i = 0; i < 5; i++) await users.insert(user(`00000000-0000-4000-8000-00000000010${i}`, `user${i}`, { email: `u${i}@list.example` }), `user${i}`);
    const first = await users.list({ poolId: POOL, limit: 3 });
    const rest = await users.list({ poolId: POOL, limit: 10, after: 'user1' });
    expect(first.map((u) => u.username)).toEqual(['Alice', 'user0', 'user1']);
    expect(rest.map((u) => u.username)).toEqual(['user2', 'user3', 'user4']);
    expect((await users.list({ poolId: POOL, limit: 10, attribute: { name: 'email', op: '=', value: 'u3@list.example' } })).map((u) => u.username)).toEqual(['user3']);
    expect((await users.list({ poolId: POOL, limit: 10, attribute: { name: 'email', op: '^=', value: 'u' } })).length).toBe(5);
    expect((await users.list({ poolId: POOL, limit: 10, usernameKey: { op: '^=', value: 'user' } })).length).toBe(5);
    expect((await users.list({ poolId: POOL, limit: 10, enabled: false })).length).toBe(0);
  });

  it('treats % and _ in a prefix filter as plain characters', async () => {
    await users.insert(user('00000000-0000-4000-8000-000000000200', 'percent', { email: '%_x@example.com' }), 'percent');
    expect((await users.list({ poolId: POOL, limit: 10, attribute: { name: 'email', op: '^=', value: '%_' } })).map((u) => u.username)).toEqual(['percent']);
    expect((await users.list({ poolId: POOL, limit: 10, attribute: { name: 'email', op: '^=', value: '%a' } })).length).toBe(0);
  });

  it('keeps group memberships and removes them with the user', async () => {
    const id = '00000000-0000-4000-8000-000000000300';
    await users.insert(user(id, 'grouped'), 'grouped');
    await groups.insert({ poolId: POOL, name: 'g1', description: null, roleArn: null, precedence: 2, createdAt: 1, updatedAt: 1 });
    await groups.insert({ poolId: POOL, name: 'g2', description: 'two', roleArn: null, precedence: 1, createdAt: 1, updatedAt: 1 });
    await groups.addMember(POOL, 'g1', id);
    await groups.addMember(POOL, 'g2', id);
    await groups.addMember(POOL, 'g2', id);
    expect((await groups.groupsOfUser(id)).map((g) => g.name)).toEqual(['g1', 'g2']);
    expect(await groups.memberIds(POOL, 'g2', 10)).toEqual([id]);
    await users.delete(id);
    expect(await groups.memberIds(POOL, 'g2', 10)).toEqual([]);
  });

  it('removes memberships when their group is deleted', async () => {
    const id = '00000000-0000-4000-8000-000000000301';
    await users.insert(user(id, 'member'), 'member');
    await groups.addMember(POOL, 'g1', id);
    expect(await groups.delete(POOL, 'g1')).toBe(true);
    expect(await groups.groupsOfUser(id)).toEqual([]);
  });

  it('revokes one session or all of a user', async () => {
    const sessions = new SessionRepository(store.db);
    const id = '00000000-0000-4000-8000-000000000001';
    const base = { poolId: POOL, clientId: 'c', userId: id, scopes: ['a', 'b'], authTime: 1, createdAt: 1, expiresAt: 10_000, revokedAt: null };
    await sessions.insert({ ...base, originJti: 's1' }, 'hash1');
    await sessions.insert({ ...base, originJti: 's2' }, 'hash2');
    expect((await sessions.findByRefreshTokenHash('hash1'))?.scopes).toEqual(['a', 'b']);
    await sessions.revoke('s1', 5);
    expect((await sessions.find('s1'))?.revokedAt).toBe(5);
    expect((await sessions.find('s2'))?.revokedAt).toBeNull();
    await sessions.revokeAllOfUser(id, 6);
    expect((await sessions.find('s2'))?.revokedAt).toBe(6);
    expect((await sessions.find('s1'))?.revokedAt).toBe(5);
  });

  it('keeps one live code per user and purpose and counts wrong attempts', async () => {
    const codes = new CodeRepository(store.db);
    const id = '00000000-0000-4000-8000-000000000001';
    await codes.put({ userId: id, purpose: 'signup', codeHash: 'one', attempts: 0, createdAt: 1, expiresAt: 2 });
    await codes.put({ userId: id, purpose: 'signup', codeHash: 'two', attempts: 0, createdAt: 1, expiresAt: 2 });
    await codes.countAttempt(id, 'signup');
    expect(await codes.find(id, 'signup')).toMatchObject({ codeHash: 'two', attempts: 1 });
    await codes.delete(id, 'signup');
    expect(await codes.find(id, 'signup')).toBeUndefined();
  });

  it('hands out a challenge session once only', async () => {
    const challenges = new ChallengeRepository(store.db);
    await challenges.insert('h', { poolId: POOL, clientId: 'c', userId: '00000000-0000-4000-8000-000000000001', challenge: 'NEW_PASSWORD_REQUIRED', createdAt: 1, expiresAt: 2 });
    const [a, b] = await Promise.all([challenges.take('h'), challenges.take('h')]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
  });

  it('upserts failure counters', async () => {
    const failures = new AuthFailureRepository(store.db);
    await failures.put(POOL, 'x', { failures: 1, lastFailureAt: 1, lockedUntil: 0 });
    await failures.put(POOL, 'x', { failures: 2, lastFailureAt: 2, lockedUntil: 3 });
    expect(await failures.find(POOL, 'x')).toEqual({ failures: 2, lastFailureAt: 2, lockedUntil: 3 });
    await failures.clear(POOL, 'x');
    expect(await failures.find(POOL, 'x')).toBeUndefined();
  });

  it('publishes retired signing keys until they expire', async () => {
    const keys = new SigningKeyRepository(store.db);
    const k = { poolId: POOL, purpose: 'id' as const, privateJwk: '{}', publicJwk: '{}', createdAt: 1, retiredAt: null, expiresAt: null };
    await keys.insert({ ...k, kid: 'old' });
    await keys.retireActive(POOL, 'id', 10, 100);
    await keys.insert({ ...k, kid: 'new', createdAt: 11 });
    expect((await keys.published(POOL, 50)).map((x) => x.kid)).toEqual(['old', 'new']);
    expect((await keys.published(POOL, 150)).map((x) => x.kid)).toEqual(['new']);
  });

  it('deletes everything of a pool with the pool', async () => {
    const pools = new PoolRepository(store.db);
    expect(await pools.delete(POOL)).toBe(true);
    expect(await users.findById('00000000-0000-4000-8000-000000000001')).toBeUndefined();
    expect(await new SigningKeyRepository(store.db).published(POOL, 0)).toEqual([]);
  });
});
