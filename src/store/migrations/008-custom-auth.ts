import type { Kysely } from 'kysely';

/** Pending CUSTOM_AUTH sign-ins: the challenges so far and the current one's private parameters. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('custom_auth_sessions')
    // SHA-256 of the Session the client holds.
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('pool_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // JSON: {session: ChallengeResult[], privateChallengeParameters, challengeMetadata?}
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
