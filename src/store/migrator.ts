import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as userPools from './migrations/001-user-pools.ts';
import * as oauth from './migrations/002-oauth.ts';
import * as cedar from './migrations/003-cedar.ts';
import * as cerbos from './migrations/004-cerbos.ts';
import * as rbac from './migrations/005-rbac.ts';
import * as srp from './migrations/006-srp.ts';
import * as mfa from './migrations/007-mfa.ts';
import * as customAuth from './migrations/008-custom-auth.ts';

/** Numbered migrations, in order. A new schema change is a new file and one line here. */
const migrations: Record<string, Migration> = {
  '001-user-pools': userPools,
  '002-oauth': oauth,
  '003-cedar': cedar,
  '004-cerbos': cerbos,
  '005-rbac': rbac,
  '006-srp': srp,
  '007-mfa': mfa,
  '008-custom-auth': customAuth,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema up to date. Safe to run from several instances at once (Kysely locks). */
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'tessera_migrations', migrationLockTableName: 'tessera_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
