import type { Kysely } from 'kysely';

/** Cerbos-format policies, shared by every instance, and one version row that says when they changed. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cerbos_policies')
    // The policy's key, e.g. `resource.contact.vdefault/acme`; the Admin API's policy ID.
    .addColumn('id', 'text', (c) => c.primaryKey())
    // The policy document as JSON.
    .addColumn('definition', 'text', (c) => c.notNull())
    // Where it came from: a file path under the watched directory, or `admin` for the Admin API.
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('cerbos_policy_set')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    // Bumped by every write, in the same transaction; instances recompile when it moves.
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('cerbos_policy_set' as never).values({ id: 1, version: 0 } as never).execute();
}
