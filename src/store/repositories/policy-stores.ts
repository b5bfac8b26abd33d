import type { Kysely, Transaction } from 'kysely';
import type { IdentitySource, Policy, PolicyStore, PolicyTemplate, StoreSchema } from '../../authz/cedar/model.ts';
import type { Database, IdentitySourceTable, PolicyStoreTable, PolicyTable, PolicyTemplateTable } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

function toStore(row: PolicyStoreTable): PolicyStore {
  return {
    id: row.id,
    ...(row.description !== null && { description: row.description }),
    validationMode: row.validation_mode as PolicyStore['validationMode'],
    deletionProtection: row.deletion_protection as PolicyStore['deletionProtection'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toSchema(row: Pick<PolicyStoreTable, 'schema_json' | 'schema_created_at' | 'schema_updated_at'>): StoreSchema | undefined {
  if (row.schema_json === null) return undefined;
  return { json: row.schema_json, namespaces: Object.keys(JSON.parse(row.schema_json) as object), createdAt: row.schema_created_at ?? 0, updatedAt: row.schema_updated_at ?? 0 };
}

function toPolicy(row: PolicyTable): Policy {
  return {
    storeId: row.store_id,
    id: row.id,
    type: row.policy_type as Policy['type'],
    ...(row.statement !== null && { statement: row.statement }),
    ...(row.description !== null && { description: row.description }),
    ...(row.name !== null && { name: row.name }),
    ...(row.template_id !== null && { templateId: row.template_id }),
    ...(row.principal !== null && { principal: JSON.parse(row.principal) }),
    ...(row.resource !== null && { resource: JSON.parse(row.resource) }),
    actions: JSON.parse(row.actions),
    effect: row.effect as Policy['effect'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function policyRow(p: Policy): PolicyTable {
  return {
    store_id: p.storeId,
    id: p.id,
    policy_type: p.type,
    statement: p.statement ?? null,
    description: p.description ?? null,
    name: p.name ?? null,
    template_id: p.templateId ?? null,
    principal: p.principal ? JSON.stringify(p.principal) : null,
    resource: p.resource ? JSON.stringify(p.resource) : null,
    actions: JSON.stringify(p.actions),
    effect: p.effect,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

function toTemplate(row: PolicyTemplateTable): PolicyTemplate {
  return {
    storeId: row.store_id,
    id: row.id,
    statement: row.statement,
    ...(row.description !== null && { description: row.description }),
    ...(row.name !== null && { name: row.name }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toIdentitySource(row: IdentitySourceTable): IdentitySource {
  return {
    storeId: row.store_id,
    id: row.id,
    userPoolArn: row.user_pool_arn,
    poolId: row.pool_id,
    clientIds: JSON.parse(row.client_ids),
    principalEntityType: row.principal_entity_type,
    ...(row.group_entity_type !== null && { groupEntityType: row.group_entity_type }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface PolicyFilterQuery {
  type?: Policy['type'];
  templateId?: string;
  /** `null`: only policies whose principal is unconstrained. */
  principal?: { entityType: string; entityId: string } | null;
  resource?: { entityType: string; entityId: string } | null;
}

/** Everything that makes up a policy store, plus a read of its parts in one go for compiling. */
export interface StoreContents {
  store: PolicyStore;
  version: number;
  schema?: StoreSchema;
  policies: Policy[];
  templates: PolicyTemplate[];
  identitySource?: IdentitySource;
}

/**
 * A policy store aggregate: the store, its schema, templates, policies and identity source.
 * Every write that can change a decision bumps the store's `version` in the same transaction.
 */
export class PolicyStoreRepository {
  constructor(private readonly db: Kysely<Database>) {}

  transaction<T>(work: (repo: PolicyStoreRepository) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new PolicyStoreRepository(trx as unknown as Kysely<Database>)));
  }

  async insertStore(store: PolicyStore): Promise<void> {
    await this.db
      .insertInto('policy_stores')
      .values({
        id: store.id,
        description: store.description ?? null,
        validation_mode: store.validationMode,
        deletion_protection: store.deletionProtection,
        schema_json: null,
        schema_created_at: null,
        schema_updated_at: null,
        version: 1,
        created_at: store.createdAt,
        updated_at: store.updatedAt,
      })
      .execute();
  }

  async updateStore(store: PolicyStore): Promise<void> {
    await this.db
      .updateTable('policy_stores')
      .set((eb) => ({
        description: store.description ?? null,
        validation_mode: store.validationMode,
        deletion_protection: store.deletionProtection,
        updated_at: store.updatedAt,
        version: eb('version', '+', 1),
      }))
      .where('id', '=', store.id)
      .execute();
  }

  async findStore(id: string): Promise<PolicyStore | undefined> {
    const row = await this.db.selectFrom('policy_stores').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toStore(row);
  }

  /** Locks the store row for the rest of the transaction (PostgreSQL), so concurrent writers to one store serialize. */
  async lockStore(id: string): Promise<PolicyStore | undefined> {
    const row = await this.db.updateTable('policy_stores').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', id).returningAll().executeTakeFirst();
    return row && toStore(row);
  }

  async version(id: string): Promise<number | undefined> {
    const row = await this.db.selectFrom('policy_stores').select('version').where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : Number(row.version);
  }

  async deleteStore(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('policy_stores').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listStores(limit: number, after?: string): Promise<PolicyStore[]> {
    let query = this.db.selectFrom('policy_stores').selectAll().orderBy('id').limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    return (await query.execute()).map(toStore);
  }

  async findSchema(storeId: string): Promise<StoreSchema | undefined> {
    const row = await this.db.selectFrom('policy_stores').select(['schema_json', 'schema_created_at', 'schema_updated_at']).where('id', '=', storeId).executeTakeFirst();
    return row && toSchema(row);
  }

  async putSchema(storeId: string, json: string, now: number): Promise<void> {
    await this.db
      .updateTable('policy_stores')
      .set((eb) => ({ schema_json: json, schema_created_at: eb.fn.coalesce('schema_created_at', eb.val(now)), schema_updated_at: now, updated_at: now }))
      .where('id', '=', storeId)
      .execute();
  }

  async insertPolicy(policy: Policy): Promise<void> {
    await this.db.insertInto('policies').values(policyRow(policy)).execute();
  }

  async updatePolicy(policy: Policy): Promise<void> {
    const { store_id, id, created_at, ...changes } = policyRow(policy);
    await this.db.updateTable('policies').set(changes).where('store_id', '=', store_id).where('id', '=', id).execute();
  }

  async findPolicy(storeId: string, id: string): Promise<Policy | undefined> {
    const row = await this.db.selectFrom('policies').selectAll().where('store_id', '=', storeId).where('id', '=', id).executeTakeFirst();
    return row && toPolicy(row);
  }

  async deletePolicy(storeId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('policies').where('store_id', '=', storeId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listPolicies(storeId: string, filter: PolicyFilterQuery, limit: number, after?: string): Promise<Policy[]> {
    let query = this.db.selectFrom('policies').selectAll().where('store_id', '=', storeId).orderBy('id').limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    if (filter.type) query = query.where('policy_type', '=', filter.type);
    if (filter.templateId !== undefined) query = query.where('template_id', '=', filter.templateId);
    if (filter.principal !== undefined) query = filter.principal === null ? query.where('principal', 'is', null) : query.where('principal', '=', JSON.stringify(filter.principal));
    if (filter.resource !== undefined) query = filter.resource === null ? query.where('resource', 'is', null) : query.where('resource', '=', JSON.stringify(filter.resource));
    return (await query.execute()).map(toPolicy);
  }

  async countPolicies(storeId: string): Promise<number> {
    const row = await this.db.selectFrom('policies').select((eb) => eb.fn.countAll<number>().as('n')).where('store_id', '=', storeId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async findPolicyByName(storeId: string, name: string): Promise<Policy | undefined> {
    const row = await this.db.selectFrom('policies').selectAll().where('store_id', '=', storeId).where('name', '=', name).executeTakeFirst();
    return row && toPolicy(row);
  }

  async insertTemplate(template: PolicyTemplate): Promise<void> {
    await this.db
      .insertInto('policy_templates')
      .values({
        store_id: template.storeId,
        id: template.id,
        statement: template.statement,
        description: template.description ?? null,
        name: template.name ?? null,
        created_at: template.createdAt,
        updated_at: template.updatedAt,
      })
      .execute();
  }

  async updateTemplate(template: PolicyTemplate): Promise<void> {
    await this.db
      .updateTable('policy_templates')
      .set({ statement: template.statement, description: template.description ?? null, updated_at: template.updatedAt })
      .where('store_id', '=', template.storeId)
      .where('id', '=', template.id)
      .execute();
  }

  async findTemplate(storeId: string, id: string): Promise<PolicyTemplate | undefined> {
    const row = await this.db.selectFrom('policy_templates').selectAll().where('store_id', '=', storeId).where('id', '=', id).executeTakeFirst();
    return row && toTemplate(row);
  }

  async findTemplateByName(storeId: string, name: string): Promise<PolicyTemplate | undefined> {
    const row = await this.db.selectFrom('policy_templates').selectAll().where('store_id', '=', storeId).where('name', '=', name).executeTakeFirst();
    return row && toTemplate(row);
  }

  async deleteTemplate(storeId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('policy_templates').where('store_id', '=', storeId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listTemplates(storeId: string, limit: number, after?: string): Promise<PolicyTemplate[]> {
    let query = this.db.selectFrom('policy_templates').selectAll().where('store_id', '=', storeId).orderBy('id').limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    return (await query.execute()).map(toTemplate);
  }

  async countTemplates(storeId: string): Promise<number> {
    const row = await this.db.selectFrom('policy_templates').select((eb) => eb.fn.countAll<number>().as('n')).where('store_id', '=', storeId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertIdentitySource(source: IdentitySource): Promise<void> {
    await this.db.insertInto('identity_sources').values(identitySourceRow(source)).execute();
  }

  async updateIdentitySource(source: IdentitySource): Promise<void> {
    const { store_id, id, created_at, ...changes } = identitySourceRow(source);
    await this.db.updateTable('identity_sources').set(changes).where('store_id', '=', store_id).where('id', '=', id).execute();
  }

  async findIdentitySource(storeId: string, id: string): Promise<IdentitySource | undefined> {
    const row = await this.db.selectFrom('identity_sources').selectAll().where('store_id', '=', storeId).where('id', '=', id).executeTakeFirst();
    return row && toIdentitySource(row);
  }

  async deleteIdentitySource(storeId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('identity_sources').where('store_id', '=', storeId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listIdentitySources(storeId: string, limit: number, after?: string, principalEntityType?: string): Promise<IdentitySource[]> {
    let query = this.db.selectFrom('identity_sources').selectAll().where('store_id', '=', storeId).orderBy('id').limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    if (principalEntityType !== undefined) query = query.where('principal_entity_type', '=', principalEntityType);
    return (await query.execute()).map(toIdentitySource);
  }

  /** The store and all its parts, read in one transaction so the snapshot is consistent. */
  async contents(storeId: string): Promise<StoreContents | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('policy_stores').selectAll().where('id', '=', storeId).executeTakeFirst();
      if (!row) return undefined;
      const [policies, templates, sources] = [
        await trx.selectFrom('policies').selectAll().where('store_id', '=', storeId).orderBy('id').execute(),
        await trx.selectFrom('policy_templates').selectAll().where('store_id', '=', storeId).orderBy('id').execute(),
        await trx.selectFrom('identity_sources').selectAll().where('store_id', '=', storeId).orderBy('id').limit(1).execute(),
      ];
      const schema = toSchema(row);
      return {
        store: toStore(row),
        version: Number(row.version),
        ...(schema && { schema }),
        policies: policies.map(toPolicy),
        templates: templates.map(toTemplate),
        ...(sources[0] && { identitySource: toIdentitySource(sources[0]) }),
      };
    });
  }
}

function identitySourceRow(s: IdentitySource): IdentitySourceTable {
  return {
    store_id: s.storeId,
    id: s.id,
    user_pool_arn: s.userPoolArn,
    pool_id: s.poolId,
    client_ids: JSON.stringify(s.clientIds),
    principal_entity_type: s.principalEntityType,
    group_entity_type: s.groupEntityType ?? null,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}
