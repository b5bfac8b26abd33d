import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface StoredCerbosPolicy {
  id: string;
  definition: string;
  source: string;
  disabled: boolean;
}

/** Cerbos policies and the version of the set; every write bumps the version in its transaction. */
export class CerbosPolicyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  transaction<T>(work: (repo: CerbosPolicyRepository) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new CerbosPolicyRepository(trx as unknown as Kysely<Database>)));
  }

  async version(): Promise<number> {
    const row = await this.db.selectFrom('cerbos_policy_set').select('version').where('id', '=', 1).executeTakeFirstOrThrow();
    return Number(row.version);
  }

  /** Bumps the version; on PostgreSQL the row lock also serializes concurrent writers. */
  async bump(): Promise<number> {
    await this.db.updateTable('cerbos_policy_set').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', 1).execute();
    return this.version();
  }

  async all(): Promise<StoredCerbosPolicy[]> {
    const rows = await this.db.selectFrom('cerbos_policies').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, definition: r.definition, source: r.source, disabled: r.disabled === 1 }));
  }

  async upsert(p: StoredCerbosPolicy, now: number): Promise<void> {
    await this.db
      .insertInto('cerbos_policies')
      .values({ id: p.id, definition: p.definition, source: p.source, disabled: p.disabled ? 1 : 0, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ definition: p.definition, source: p.source, disabled: p.disabled ? 1 : 0, updated_at: now }))
      .execute();
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length) await this.db.deleteFrom('cerbos_policies').where('id', 'in', ids).execute();
  }
}
