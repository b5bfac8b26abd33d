import type { Kysely } from 'kysely';
import type { Group } from '../../userpools/model.ts';
import type { Database, GroupTable } from '../schema.ts';

function toGroup(row: GroupTable): Group {
  return {
    poolId: row.pool_id,
    name: row.name,
    description: row.description,
    roleArn: row.role_arn,
    precedence: row.precedence,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Groups and memberships. */
export class GroupRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(group: Group): Promise<void> {
    await this.db
      .insertInto('groups')
      .values({
        pool_id: group.poolId,
        name: group.name,
        description: group.description,
        role_arn: group.roleArn,
        precedence: group.precedence,
        created_at: group.createdAt,
        updated_at: group.updatedAt,
      })
      .execute();
  }

  async update(group: Group): Promise<void> {
    await this.db
      .updateTable('groups')
      .set({ description: group.description, role_arn: group.roleArn, precedence: group.precedence, updated_at: group.updatedAt })
      .where('pool_id', '=', group.poolId)
      .where('name', '=', group.name)
      .execute();
  }

  async find(poolId: string, name: string): Promise<Group | undefined> {
    const row = await this.db.selectFrom('groups').selectAll().where('pool_id', '=', poolId).where('name', '=', name).executeTakeFirst();
    return row && toGroup(row);
  }

  async delete(poolId: string, name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('groups').where('pool_id', '=', poolId).where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async list(poolId: string, limit: number, after?: string): Promise<Group[]> {
    let query = this.db.selectFrom('groups').selectAll().where('pool_id', '=', poolId).orderBy('name').limit(limit);
    if (after !== undefined) query = query.where('name', '>', after);
    return (await query.execute()).map(toGroup);
  }

  async count(poolId: string): Promise<number> {
    const row = await this.db.selectFrom('groups').select((eb) => eb.fn.countAll<number>().as('n')).where('pool_id', '=', poolId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async addMember(poolId: string, groupName: string, userId: string): Promise<void> {
    await this.db
      .insertInto('user_groups')
      .values({ pool_id: poolId, group_name: groupName, user_id: userId })
      .onConflict((oc) => oc.columns(['user_id', 'group_name']).doNothing())
      .execute();
  }

  async removeMember(groupName: string, userId: string): Promise<void> {
    await this.db.deleteFrom('user_groups').where('user_id', '=', userId).where('group_name', '=', groupName).execute();
  }

  /**
   * A user's groups in token order: by precedence (lowest first, unset last), then by name — the
   * order Cognito gives `cognito:groups`.
   */
  async groupsOfUser(userId: string, limit = 10_000, after?: string): Promise<Group[]> {
    let query = this.db
      .selectFrom('user_groups as m')
      .innerJoin('groups as g', (j) => j.onRef('g.pool_id', '=', 'm.pool_id').onRef('g.name', '=', 'm.group_name'))
      .selectAll('g')
      .where('m.user_id', '=', userId)
      .orderBy('g.name')
      .limit(limit);
    if (after !== undefined) query = query.where('g.name', '>', after);
    const groups = (await query.execute()).map(toGroup);
    return groups;
  }

  /** Members of a group ordered by user id, for pagination. */
  async memberIds(poolId: string, groupName: string, limit: number, afterUserId?: string): Promise<string[]> {
    let query = this.db
      .selectFrom('user_groups')
      .select('user_id')
      .where('pool_id', '=', poolId)
      .where('group_name', '=', groupName)
      .orderBy('user_id')
      .limit(limit);
    if (afterUserId !== undefined) query = query.where('user_id', '>', afterUserId);
    return (await query.execute()).map((r) => r.user_id);
  }
}
