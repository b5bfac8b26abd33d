import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface AuthFailureRecord {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
}

/** Failed sign-in counters per pool and typed username (whether or not such a user exists). */
export class AuthFailureRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(poolId: string, subjectKey: string): Promise<AuthFailureRecord | undefined> {
    const row = await this.db.selectFrom('auth_failures').selectAll().where('pool_id', '=', poolId).where('subject_key', '=', subjectKey).executeTakeFirst();
    return row && { failures: row.failures, lastFailureAt: row.last_failure_at, lockedUntil: row.locked_until };
  }

  async put(poolId: string, subjectKey: string, r: AuthFailureRecord): Promise<void> {
    await this.db
      .insertInto('auth_failures')
      .values({ pool_id: poolId, subject_key: subjectKey, failures: r.failures, last_failure_at: r.lastFailureAt, locked_until: r.lockedUntil })
      .onConflict((oc) =>
        oc.columns(['pool_id', 'subject_key']).doUpdateSet({ failures: r.failures, last_failure_at: r.lastFailureAt, locked_until: r.lockedUntil }),
      )
      .execute();
  }

  async clear(poolId: string, subjectKey: string): Promise<void> {
    await this.db.deleteFrom('auth_failures').where('pool_id', '=', poolId).where('subject_key', '=', subjectKey).execute();
  }
}
