import type { Kysely } from 'kysely';

/** Permit-style RBAC environments: schema and facts as JSON documents, role assignments as rows. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rbac_environments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('project_key', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text', (c) => c.notNull())
    // Bumped by every write to resources, roles or role assignments, in its transaction; instances reload when it moves.
    .addColumn('version', 'bigint', (c) => c.notNull())
    // JSON {userPoolId, tenant, groupRoles}: users of that pool are synced here on sign-up and sign-in.
    .addColumn('user_pool_sync', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('rbac_environments_project_key', ['project_key', 'key'])
    .execute();
  await db.schema
    .createTable('rbac_api_keys')
    // SHA-256 of the key: keys are long random strings, so a fast hash cannot be reversed.
    .addColumn('key_hash', 'text', (c) => c.primaryKey())
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('rbac_objects')
    .addColumn('environment_id', 'text', (c) => c.notNull())
    // resource | role | tenant | user
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rbac_objects_pk', ['environment_id', 'kind', 'key'])
    .execute();
  await db.schema.createIndex('rbac_objects_by_id').on('rbac_objects').columns(['environment_id', 'kind', 'id']).execute();
  await db.schema
    .createTable('rbac_role_assignments')
    .addColumn('environment_id', 'text', (c) => c.notNull())
    .addColumn('user_key', 'text', (c) => c.notNull())
    .addColumn('tenant_key', 'text', (c) => c.notNull())
    .addColumn('role_key', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rbac_role_assignments_pk', ['environment_id', 'user_key', 'tenant_key', 'role_key'])
    .execute();
  await db.schema.createIndex('rbac_role_assignments_by_role').on('rbac_role_assignments').columns(['environment_id', 'role_key']).execute();
  await db.schema.createIndex('rbac_role_assignments_by_tenant').on('rbac_role_assignments').columns(['environment_id', 'tenant_key']).execute();
}
