import type { Kysely } from 'kysely';
import type { ResourceServer, ResourceServerScope } from '../../userpools/model.ts';
import type { Database, ResourceServerTable } from '../schema.ts';

function toResourceServer(row: ResourceServerTable): ResourceServer {
  return {
    poolId: row.pool_id,
    identifier: row.identifier,
    name: row.name,
    scopes: JSON.parse(row.scopes) as ResourceServerScope[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** OAuth resource servers of a pool, with their custom scopes as one JSON column. */
export class ResourceServerRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(server: ResourceServer): Promise<void> {
    await this.db
      .insertInto('resource_servers')
      .values({
        pool_id: server.poolId,
        identifier: server.identifier,
        name: server.name,
        scopes: JSON.stringify(server.scopes),
        created_at: server.createdAt,
        updated_at: server.updatedAt,
      })
      .execute();
  }

  async update(server: ResourceServer): Promise<void> {
    await this.db
      .updateTable('resource_servers')
      .set({ name: server.name, scopes: JSON.stringify(server.scopes), updated_at: server.updatedAt })
      .where('pool_id', '=', server.poolId)
      .where('identifier', '=', server.identifier)
      .execute();
  }

  async find(poolId: string, identifier: string): Promise<ResourceServer | undefined> {
    const row = await this.db.selectFrom('resource_servers').selectAll().where('pool_id', '=', poolId).where('identifier', '=', identifier).executeTakeFirst();
    return row && toResourceServer(row);
  }

  async delete(poolId: string, identifier: string): Promise<boolean> {
    const result = await this.db.deleteFrom('resource_servers').where('pool_id', '=', poolId).where('identifier', '=', identifier).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Ordered by identifier, so the last identifier of a page is its pagination key. */
  async list(poolId: string, limit: number, after?: string): Promise<ResourceServer[]> {
    let query = this.db.selectFrom('resource_servers').selectAll().where('pool_id', '=', poolId).orderBy('identifier').limit(limit);
    if (after !== undefined) query = query.where('identifier', '>', after);
    return (await query.execute()).map(toResourceServer);
  }

  async count(poolId: string): Promise<number> {
    const row = await this.db.selectFrom('resource_servers').select((eb) => eb.fn.countAll<number>().as('n')).where('pool_id', '=', poolId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
