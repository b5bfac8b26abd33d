import type { Kysely } from 'kysely';
import type { UserPool, UserPoolClient } from '../../userpools/model.ts';
import type { Database, UserPoolClientTable, UserPoolTable } from '../schema.ts';

function toPool(row: UserPoolTable): UserPool {
  return { id: row.id, name: row.name, settings: JSON.parse(row.settings), createdAt: row.created_at, updatedAt: row.updated_at };
}

function toClient(row: UserPoolClientTable): UserPoolClient {
  return {
    clientId: row.client_id,
    poolId: row.pool_id,
    name: row.name,
    secret: row.client_secret,
    settings: JSON.parse(row.settings),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** User pools and their app clients. */
export class PoolRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(pool: UserPool): Promise<void> {
    await this.db
      .insertInto('user_pools')
      .values({ id: pool.id, name: pool.name, settings: JSON.stringify(pool.settings), created_at: pool.createdAt, updated_at: pool.updatedAt })
      .execute();
  }

  async update(pool: UserPool): Promise<void> {
    await this.db
      .updateTable('user_pools')
      .set({ name: pool.name, settings: JSON.stringify(pool.settings), updated_at: pool.updatedAt })
      .where('id', '=', pool.id)
      .execute();
  }

  async find(id: string): Promise<UserPool | undefined> {
    const row = await this.db.selectFrom('user_pools').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toPool(row);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('user_pools').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Pools ordered by id, starting after `afterId`. */
  async list(limit: number, afterId?: string): Promise<UserPool[]> {
    let query = this.db.selectFrom('user_pools').selectAll().orderBy('id').limit(limit);
    if (afterId) query = query.where('id', '>', afterId);
    return (await query.execute()).map(toPool);
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('user_pools').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async countClients(poolId: string): Promise<number> {
    const row = await this.db.selectFrom('user_pool_clients').select((eb) => eb.fn.countAll<number>().as('n')).where('pool_id', '=', poolId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async countUsers(poolId: string): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('pool_id', '=', poolId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async insertClient(client: UserPoolClient): Promise<void> {
    await this.db
      .insertInto('user_pool_clients')
      .values({
        client_id: client.clientId,
        pool_id: client.poolId,
        name: client.name,
        client_secret: client.secret,
        settings: JSON.stringify(client.settings),
        created_at: client.createdAt,
        updated_at: client.updatedAt,
      })
      .execute();
  }

  async updateClient(client: UserPoolClient): Promise<void> {
    await this.db
      .updateTable('user_pool_clients')
      .set({ name: client.name, settings: JSON.stringify(client.settings), updated_at: client.updatedAt })
      .where('client_id', '=', client.clientId)
      .execute();
  }

  async findClient(clientId: string): Promise<UserPoolClient | undefined> {
    const row = await this.db.selectFrom('user_pool_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
    return row && toClient(row);
  }

  async deleteClient(clientId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('user_pool_clients').where('client_id', '=', clientId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listClients(poolId: string, limit: number, afterId?: string): Promise<UserPoolClient[]> {
    let query = this.db.selectFrom('user_pool_clients').selectAll().where('pool_id', '=', poolId).orderBy('client_id').limit(limit);
    if (afterId) query = query.where('client_id', '>', afterId);
    return (await query.execute()).map(toClient);
  }
}
