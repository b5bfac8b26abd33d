import type { Kysely } from 'kysely';

/** SRP verifiers beside password hashes, and the pending SRP exchanges of USER_SRP_AUTH. */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Hex; null for users whose password was set before SRP existed (filled at their next password sign-in).
  await db.schema.alterTable('users').addColumn('srp_salt', 'text').execute();
  await db.schema.alterTable('users').addColumn('srp_verifier', 'text').execute();
  await db.schema
    .createTable('srp_exchanges')
    // SHA-256 of the SECRET_BLOCK the client echoes back.
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('pool_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    // No foreign key: decoy exchanges for unknown names have no user, and look the same.
    .addColumn('user_id', 'text')
    // JSON: A, b, B, the verifier used, the typed name and USER_ID_FOR_SRP.
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
