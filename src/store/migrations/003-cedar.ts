import type { Kysely } from 'kysely';

/** Verified Permissions policy stores and the decision log shared by every authorization engine. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('policy_stores')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text')
    .addColumn('validation_mode', 'text', (c) => c.notNull())
    .addColumn('deletion_protection', 'text', (c) => c.notNull())
    // Cedar JSON schema text, as stored by PutSchema (Cedar text schemas are converted on write).
    .addColumn('schema_json', 'text')
    .addColumn('schema_created_at', 'bigint')
    .addColumn('schema_updated_at', 'bigint')
    // Bumped by every change that alters decisions, so each instance knows when its compiled copy is stale.
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('policy_templates')
    .addColumn('store_id', 'text', (c) => c.notNull().references('policy_stores.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('statement', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('name', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('policy_templates_pk', ['store_id', 'id'])
    .execute();

  await db.schema
    .createTable('policies')
    .addColumn('store_id', 'text', (c) => c.notNull().references('policy_stores.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('policy_type', 'text', (c) => c.notNull())
    // The Cedar text of a static policy; null for a template-linked one.
    .addColumn('statement', 'text')
    .addColumn('description', 'text')
    .addColumn('name', 'text')
    .addColumn('template_id', 'text')
    // Scope as Verified Permissions reports it: entity identifiers as JSON, null when unconstrained.
    .addColumn('principal', 'text')
    .addColumn('resource', 'text')
    .addColumn('actions', 'text', (c) => c.notNull())
    .addColumn('effect', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('policies_pk', ['store_id', 'id'])
    .addForeignKeyConstraint('policies_template_fk', ['store_id', 'template_id'], 'policy_templates', ['store_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('identity_sources')
    .addColumn('store_id', 'text', (c) => c.notNull().references('policy_stores.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_pool_arn', 'text', (c) => c.notNull())
    .addColumn('pool_id', 'text', (c) => c.notNull())
    .addColumn('client_ids', 'text', (c) => c.notNull())
    .addColumn('principal_entity_type', 'text', (c) => c.notNull())
    .addColumn('group_entity_type', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('identity_sources_pk', ['store_id', 'id'])
    .execute();

  // AWS client tokens: a retried create with the same token returns the first answer instead of creating twice.
  await db.schema
    .createTable('client_tokens')
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    // Null while the first request is still running.
    .addColumn('response', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('client_tokens_pk', ['operation', 'token'])
    .execute();

  await db.schema
    .createTable('decision_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('engine', 'text', (c) => c.notNull())
    // The policy store, Cerbos scope, RBAC environment or gateway route the decision was made in.
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('determining_policies', 'text', (c) => c.notNull())
    .addColumn('errors', 'text', (c) => c.notNull())
    .addColumn('latency_us', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('decision_log_at').on('decision_log').column('at').execute();
  await db.schema.createIndex('decision_log_scope_at').on('decision_log').columns(['scope', 'at']).execute();
}
