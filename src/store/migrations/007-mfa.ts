import type { Kysely } from 'kysely';

/** A user's multi-factor settings: the software token (its secret encrypted), and preferences. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_mfa')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    // JSON: {totp?: {secret (AES-GCM sealed), verified, enabled, friendlyName?, lastStep?}, pendingSecret?, preferred?}
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
