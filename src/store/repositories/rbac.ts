import { type Kysely, sql } from 'kysely';
import type { Database, RbacEnvironmentTable, RbacObjectTable, RbacRoleAssignmentTable } from '../schema.ts';

export type RbacObjectKind = 'resource' | 'role' | 'tenant' | 'user';

export interface AssignmentFilter {
  user?: string;
  role?: string;
  tenant?: string;
}

/** RBAC environments, their API keys, their objects (JSON documents) and role assignments. */
export class RbacRepository {
  constructor(private readonly db: Kysely<Database>) {}

  transaction<T>(work: (repo: RbacRepository) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new RbacRepository(trx as unknown as Kysely<Database>)));
  }

  environments(): Promise<RbacEnvironmentTable[]> {
    return this.db.selectFrom('rbac_environments').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  findEnvironment(projectKey: string, key: string): Promise<RbacEnvironmentTable | undefined> {
    return this.db.selectFrom('rbac_environments').selectAll().where('project_key', '=', projectKey).where('key', '=', key).executeTakeFirst();
  }

  environmentById(id: string): Promise<RbacEnvironmentTable | undefined> {
    return this.db.selectFrom('rbac_environments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async insertEnvironment(row: RbacEnvironmentTable): Promise<void> {
    await this.db.insertInto('rbac_environments').values(row).onConflict((oc) => oc.columns(['project_key', 'key']).doNothing()).execute();
  }

  async setUserPoolSync(environmentId: string, sync: string | null): Promise<void> {
    await this.db.updateTable('rbac_environments').set({ user_pool_sync: sync }).where('id', '=', environmentId).execute();
  }

  async version(environmentId: string): Promise<number> {
    const row = await this.db.selectFrom('rbac_environments').select('version').where('id', '=', environmentId).executeTakeFirst();
    return Number(row?.version ?? -1);
  }

  /**
   * Bumps the environment's version, which every write to its schema or role assignments does in
   * its transaction; on PostgreSQL the row lock also serializes concurrent writers.
   */
  async bump(environmentId: string): Promise<void> {
    await this.db.updateTable('rbac_environments').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', environmentId).execute();
  }

  async environmentOfKey(keyHash: string): Promise<RbacEnvironmentTable | undefined> {
    return this.db
      .selectFrom('rbac_api_keys as k')
      .innerJoin('rbac_environments as e', 'e.id', 'k.environment_id')
      .selectAll('e')
      .where('k.key_hash', '=', keyHash)
      .executeTakeFirst();
  }

  async insertApiKey(keyHash: string, environmentId: string, name: string, now: number): Promise<void> {
    await this.db
      .insertInto('rbac_api_keys')
      .values({ key_hash: keyHash, environment_id: environmentId, name, created_at: now })
      .onConflict((oc) => oc.column('key_hash').doNothing())
      .execute();
  }

  /** An object by key, or by id when no key matches (Permit's paths take either). */
  async object(environmentId: string, kind: RbacObjectKind, keyOrId: string): Promise<RbacObjectTable | undefined> {
    const byKey = await this.db.selectFrom('rbac_objects').selectAll().where('environment_id', '=', environmentId).where('kind', '=', kind).where('key', '=', keyOrId).executeTakeFirst();
    if (byKey) return byKey;
    return this.db.selectFrom('rbac_objects').selectAll().where('environment_id', '=', environmentId).where('kind', '=', kind).where('id', '=', keyOrId).executeTakeFirst();
  }

  objects(environmentId: string, kind: RbacObjectKind, page?: { offset: number; limit: number; search?: string }): Promise<RbacObjectTable[]> {
    let q = this.db.selectFrom('rbac_objects').selectAll().where('environment_id', '=', environmentId).where('kind', '=', kind);
    // ESCAPE is spelled out because SQLite has no default escape character for LIKE.
    if (page?.search) q = q.where(sql<boolean>`key like ${`%${page.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`);
    q = q.orderBy('created_at').orderBy('key');
    return page ? q.limit(page.limit).offset(page.offset).execute() : q.execute();
  }

  async countObjects(environmentId: string, kind: RbacObjectKind): Promise<number> {
    const row = await this.db.selectFrom('rbac_objects').select((eb) => eb.fn.countAll<number>().as('n')).where('environment_id', '=', environmentId).where('kind', '=', kind).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Inserts unless the key exists; says whether it did. */
  async insertObject(row: RbacObjectTable): Promise<boolean> {
    const r = await this.db.insertInto('rbac_objects').values(row).onConflict((oc) => oc.columns(['environment_id', 'kind', 'key']).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async updateObject(environmentId: string, kind: RbacObjectKind, key: string, body: string, now: number): Promise<void> {
    await this.db.updateTable('rbac_objects').set({ body, updated_at: now }).where('environment_id', '=', environmentId).where('kind', '=', kind).where('key', '=', key).execute();
  }

  async deleteObject(environmentId: string, kind: RbacObjectKind, key: string): Promise<void> {
    await this.db.deleteFrom('rbac_objects').where('environment_id', '=', environmentId).where('kind', '=', kind).where('key', '=', key).execute();
  }

  /** The roles a user holds in a tenant: the one query of a check. */
  async rolesOf(environmentId: string, user: string, tenant: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('rbac_role_assignments')
      .select('role_key')
      .where('environment_id', '=', environmentId)
      .where('user_key', '=', user)
      .where('tenant_key', '=', tenant)
      .execute();
    return rows.map((r) => r.role_key);
  }

  assignments(environmentId: string, filter: AssignmentFilter, page?: { offset: number; limit: number }): Promise<RbacRoleAssignmentTable[]> {
    let q = this.db.selectFrom('rbac_role_assignments').selectAll().where('environment_id', '=', environmentId);
    if (filter.user !== undefined) q = q.where('user_key', '=', filter.user);
    if (filter.role !== undefined) q = q.where('role_key', '=', filter.role);
    if (filter.tenant !== undefined) q = q.where('tenant_key', '=', filter.tenant);
    q = q.orderBy('created_at').orderBy('user_key').orderBy('tenant_key').orderBy('role_key');
    return page ? q.limit(page.limit).offset(page.offset).execute() : q.execute();
  }

  /** Inserts unless present; an insert bumps the environment's version (checks cache assignments by it). */
  async insertAssignment(row: RbacRoleAssignmentTable): Promise<boolean> {
    const r = await this.db
      .insertInto('rbac_role_assignments')
      .values(row)
      .onConflict((oc) => oc.columns(['environment_id', 'user_key', 'tenant_key', 'role_key']).doNothing())
      .executeTakeFirst();
    const inserted = Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    if (inserted) await this.bump(row.environment_id);
    return inserted;
  }

  /** Deletes the assignments the filter selects (at least one field must be set); returns how many, and bumps the version if any. */
  async deleteAssignments(environmentId: string, filter: AssignmentFilter): Promise<number> {
    if (filter.user === undefined && filter.role === undefined && filter.tenant === undefined) throw new TypeError('deleteAssignments needs a filter');
    let q = this.db.deleteFrom('rbac_role_assignments').where('environment_id', '=', environmentId);
    if (filter.user !== undefined) q = q.where('user_key', '=', filter.user);
    if (filter.role !== undefined) q = q.where('role_key', '=', filter.role);
    if (filter.tenant !== undefined) q = q.where('tenant_key', '=', filter.tenant);
    const removed = Number((await q.executeTakeFirst()).numDeletedRows);
    if (removed > 0) await this.bump(environmentId);
    return removed;
  }
}
