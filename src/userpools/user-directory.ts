import { ResourceNotFoundException, UserNotFoundException } from '../errors.ts';
import type { UserPoolDeps } from './context.ts';
import { POOL_ID_PATTERN } from './ids.ts';
import type { Group, User, UserPool, UserPoolClient } from './model.ts';

/**
 * How long a client and its pool, once read, serve public sign-in calls without a query. Writes made
 * through this process forget them at once; another instance's writes show within this time.
 */
const CLIENT_CACHE_MS = 2_000;

/** Finding pools, clients and users the way Cognito resolves names. */
export class UserDirectory {
  private readonly clients = new Map<string, { entry: { client: UserPoolClient; pool: UserPool }; until: number }>();

  constructor(private readonly d: UserPoolDeps) {}

  /** The pool, or undefined for an unknown or malformed id (for HTTP paths that take any string). */
  async findPool(poolId: string): Promise<UserPool | undefined> {
    return POOL_ID_PATTERN.test(poolId) ? this.d.pools.find(poolId) : undefined;
  }

  async pool(poolId: string): Promise<UserPool> {
    const pool = await this.d.pools.find(poolId);
    if (!pool) throw new ResourceNotFoundException(`User pool ${poolId} does not exist.`);
    return pool;
  }

  /**
   * A client and its pool, as every public operation starts with them. Read often and changed
   * rarely, so they are kept briefly (monotonic time, not the domain clock); misses are never kept.
   */
  async client(clientId: string): Promise<{ client: UserPoolClient; pool: UserPool }> {
    const cached = this.clients.get(clientId);
    if (cached && cached.until > performance.now()) return cached.entry;
    const client = await this.d.pools.findClient(clientId);
    if (!client) throw new ResourceNotFoundException('User pool client ' + clientId + ' does not exist.');
    const entry = { client, pool: await this.pool(client.poolId) };
    if (this.clients.size > 10_000) this.clients.clear();
    this.clients.set(clientId, { entry, until: performance.now() + CLIENT_CACHE_MS });
    return entry;
  }

  /** Drops cached clients of a pool (or one client) after a change made through this process. */
  forget(change: { poolId?: string; clientId?: string }): void {
    if (change.clientId !== undefined) this.clients.delete(change.clientId);
    if (change.poolId !== undefined) for (const [id, c] of this.clients) if (c.entry.pool.id === change.poolId) this.clients.delete(id);
  }

  usernameKey(pool: UserPool, username: string): string {
    // Cognito's API default, when a pool says nothing, is case-sensitive usernames.
    return pool.settings.UsernameConfiguration?.CaseSensitive === false ? username.toLowerCase() : username;
  }

  /**
   * The user a sign-in name designates: the username itself (or the `sub`), an email or phone
   * number when the pool signs in with them, or a verified alias.
   */
  async findBySignInName(pool: UserPool, name: string): Promise<User | undefined> {
    const byUsername = await this.d.users.findByUsernameKey(pool.id, this.usernameKey(pool, name));
    if (byUsername) return byUsername;
    const s = pool.settings;
    for (const attr of ['email', 'phone_number'] as const) {
      if (s.UsernameAttributes?.includes(attr)) {
        const [found] = await this.d.users.findByAttribute(pool.id, attr, attr === 'email' ? name.toLowerCase() : name);
        if (found) return found;
      }
    }
    for (const alias of s.AliasAttributes ?? []) {
      const candidates = await this.d.users.findByAttribute(pool.id, alias, alias === 'email' ? name.toLowerCase() : name);
      const verified = candidates.find((u) => alias === 'preferred_username' || u.attributes[`${alias}_verified`] === 'true');
      if (verified) return verified;
    }
    if (/^[0-9a-f-]{36}$/.test(name)) {
      const bySub = await this.d.users.findById(name);
      if (bySub && bySub.poolId === pool.id) return bySub;
    }
    return undefined;
  }

  async userById(id: string): Promise<User | undefined> {
    return this.d.users.findById(id);
  }

  async user(pool: UserPool, name: string): Promise<User> {
    const user = await this.findBySignInName(pool, name);
    if (!user) throw new UserNotFoundException('User does not exist.');
    return user;
  }

  /** A user's groups as tokens list them: by precedence, lowest value first; groups without one last. */
  async groupsInTokenOrder(userId: string): Promise<Group[]> {
    const groups = await this.d.groups.groupsOfUser(userId);
    return groups.sort((a, b) => (a.precedence ?? Number.MAX_SAFE_INTEGER) - (b.precedence ?? Number.MAX_SAFE_INTEGER) || a.name.localeCompare(b.name));
  }
}
