import type { Kysely, Transaction } from 'kysely';
import type { Attributes, User, UserStatus } from '../../userpools/model.ts';
import type { Database, UserTable } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** A condition on one attribute, as ListUsers filters express them. */
export interface AttributeCondition {
  name: string;
  op: '=' | '^=';
  value: string;
}

export interface UserQuery {
  poolId: string;
  limit: number;
  /** `username_key` of the last user on the previous page. */
  after?: string;
  attribute?: AttributeCondition;
  /** Filters on the users table itself (`cognito:user_status`, `status`, `username`). */
  status?: { op: '=' | '^='; value: string };
  enabled?: boolean;
  usernameKey?: { op: '=' | '^='; value: string };
}

// The largest code point, so `value >= p AND value < p || MAX` is a prefix range both databases
// answer from the index, where LIKE would need collation and escaping care.
const MAX_CHAR = '\u{10FFFF}';

/** Attribute filters matching at most this many users are served by primary key, not by a walk of the pool. */
const FEW_MATCHES = 1_000;

function toUser(row: UserTable, attributes: Attributes): User {
  return {
    id: row.id,
    poolId: row.pool_id,
    username: row.username,
    status: row.status as UserStatus,
    enabled: row.enabled === 1,
    passwordHash: row.password_hash,
    srp: row.srp_salt !== null && row.srp_verifier !== null ? { salt: row.srp_salt, verifier: row.srp_verifier } : null,
    passwordUpdatedAt: row.password_updated_at,
    attributes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Users with their attributes; `username_key` is the pool's case-folded username. */
export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private async hydrate(rows: UserTable[], db: Db = this.db): Promise<User[]> {
    if (rows.length === 0) return [];
    const attrs = await db
      .selectFrom('user_attributes')
      .select(['user_id', 'name', 'value'])
      .where('user_id', 'in', rows.map((r) => r.id))
      .execute();
    const byUser = new Map<string, Attributes>();
    for (const a of attrs) {
      let m = byUser.get(a.user_id);
      if (!m) byUser.set(a.user_id, (m = {}));
      m[a.name] = a.value;
    }
    return rows.map((row) => toUser(row, byUser.get(row.id) ?? {}));
  }

  async findByUsernameKey(poolId: string, usernameKey: string, db: Db = this.db): Promise<User | undefined> {
    return this.findOne(db, { poolId, usernameKey });
  }

  async findById(id: string, db: Db = this.db): Promise<User | undefined> {
    return this.findOne(db, { id });
  }

  /** One user with its attributes in a single query (a row per attribute): the sign-in path's lookup. */
  private async findOne(db: Db, key: { id: string } | { poolId: string; usernameKey: string }): Promise<User | undefined> {
    let query = db
      .selectFrom('users')
      .leftJoin('user_attributes as a', 'a.user_id', 'users.id')
      .selectAll('users')
      .select(['a.name as attr_name', 'a.value as attr_value']);
    query = 'id' in key ? query.where('users.id', '=', key.id) : query.where('users.pool_id', '=', key.poolId).where('users.username_key', '=', key.usernameKey);
    const rows = await query.execute();
    const first = rows[0];
    if (!first) return undefined;
    const attributes: Attributes = {};
    for (const r of rows) if (r.attr_name !== null && r.attr_value !== null) attributes[r.attr_name] = r.attr_value;
    return toUser(first, attributes);
  }

  /** Users of a pool whose attribute `name` equals `value` (alias and uniqueness lookups). */
  async findByAttribute(poolId: string, name: string, value: string, db: Db = this.db): Promise<User[]> {
    const rows = await db
      .selectFrom('users')
      .selectAll('users')
      .innerJoin('user_attributes as a', 'a.user_id', 'users.id')
      .where('a.pool_id', '=', poolId)
      .where('a.name', '=', name)
      .where('a.value', '=', value)
      .limit(10)
      .execute();
    return this.hydrate(rows, db);
  }

  async insert(user: User, usernameKey: string, db: Db = this.db): Promise<void> {
    await db
      .insertInto('users')
      .values({
        id: user.id,
        pool_id: user.poolId,
        username: user.username,
        username_key: usernameKey,
        status: user.status,
        enabled: user.enabled ? 1 : 0,
        password_hash: user.passwordHash,
        srp_salt: user.srp?.salt ?? null,
        srp_verifier: user.srp?.verifier ?? null,
        password_updated_at: user.passwordUpdatedAt,
        created_at: user.createdAt,
        updated_at: user.updatedAt,
      })
      .execute();
    await this.putAttributes(user.poolId, user.id, user.attributes, db);
  }

  async update(
    id: string,
    changes: Partial<Pick<User, 'status' | 'enabled' | 'passwordHash' | 'srp' | 'passwordUpdatedAt'>> & { updatedAt: number },
    db: Db = this.db,
  ): Promise<void> {
    await db
      .updateTable('users')
      .set({
        ...(changes.status !== undefined && { status: changes.status }),
        ...(changes.enabled !== undefined && { enabled: changes.enabled ? 1 : 0 }),
        ...(changes.passwordHash !== undefined && { password_hash: changes.passwordHash }),
        ...(changes.srp !== undefined && { srp_salt: changes.srp?.salt ?? null, srp_verifier: changes.srp?.verifier ?? null }),
        ...(changes.passwordUpdatedAt !== undefined && { password_updated_at: changes.passwordUpdatedAt }),
        updated_at: changes.updatedAt,
      })
      .where('id', '=', id)
      .execute();
  }

  /** Sets (inserts or replaces) the given attributes. */
  async putAttributes(poolId: string, userId: string, attributes: Attributes, db: Db = this.db): Promise<void> {
    const names = Object.keys(attributes);
    if (names.length === 0) return;
    await db.deleteFrom('user_attributes').where('user_id', '=', userId).where('name', 'in', names).execute();
    await db
      .insertInto('user_attributes')
      .values(names.map((name) => ({ user_id: userId, pool_id: poolId, name, value: attributes[name]! })))
      .execute();
  }

  async deleteAttributes(userId: string, names: string[], db: Db = this.db): Promise<void> {
    if (names.length === 0) return;
    await db.deleteFrom('user_attributes').where('user_id', '=', userId).where('name', 'in', names).execute();
  }

  async delete(id: string, db: Db = this.db): Promise<void> {
    await db.deleteFrom('users').where('id', '=', id).execute();
  }

  /** One page of users ordered by username key; every condition is served by an index. */
  async list(q: UserQuery): Promise<User[]> {
    let query = this.db.selectFrom('users').selectAll('users');
    if (q.attribute) {
      const { name, op, value } = q.attribute;
      let matching = this.db.selectFrom('user_attributes').select('user_id').where('pool_id', '=', q.poolId).where('name', '=', name);
      matching = op === '=' ? matching.where('value', '=', value) : matching.where('value', '>=', value).where('value', '<', value + MAX_CHAR);
      // Left to the planner, `users.id IN (matching)` walks the pool in username order (SQLite without
      // statistics always plans it so), probing each user: one exact email cost a walk of every user.
      // Few matches are fetched by primary key and sorted instead; many are left to that walk, which
      // they make short (though every match is still read once).
      const few = await matching.limit(FEW_MATCHES + 1).execute();
      if (few.length === 0) return [];
      query = few.length <= FEW_MATCHES ? query.where('users.id', 'in', few.map((r) => r.user_id)) : query.where('users.pool_id', '=', q.poolId).where('users.id', 'in', matching);
    } else {
      query = query.where('users.pool_id', '=', q.poolId);
    }
    if (q.status) {
      query = q.status.op === '=' ? query.where('users.status', '=', q.status.value) : query.where('users.status', '>=', q.status.value).where('users.status', '<', q.status.value + MAX_CHAR);
    }
    if (q.enabled !== undefined) query = query.where('users.enabled', '=', q.enabled ? 1 : 0);
    if (q.usernameKey) {
      const { op, value } = q.usernameKey;
      query = op === '=' ? query.where('users.username_key', '=', value) : query.where('users.username_key', '>=', value).where('users.username_key', '<', value + MAX_CHAR);
    }
    if (q.after !== undefined) query = query.where('users.username_key', '>', q.after);
    const rows = await query.orderBy('users.username_key').limit(q.limit).execute();
    return this.hydrate(rows);
  }

  async usernameKeyOf(id: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('users').select('username_key').where('id', '=', id).executeTakeFirst();
    return row?.username_key;
  }
}
