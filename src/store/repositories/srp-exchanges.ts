import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface SrpExchange {
  poolId: string;
  clientId: string;
  /** Null for a decoy exchange (no such user, or no verifier). */
  userId: string | null;
  a: string;
  b: string;
  B: string;
  verifier: string;
  typedName: string;
  userIdForSrp: string;
  createdAt: number;
  expiresAt: number;
}

/** Pending USER_SRP_AUTH exchanges, keyed by the hash of their SECRET_BLOCK; each is answered at most once. */
export class SrpExchangeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(idHash: string, e: SrpExchange): Promise<void> {
    const { poolId, clientId, userId, createdAt, expiresAt, ...data } = e;
    await this.db
      .insertInto('srp_exchanges')
      .values({ id_hash: idHash, pool_id: poolId, client_id: clientId, user_id: userId, data: JSON.stringify(data), created_at: createdAt, expires_at: expiresAt })
      .execute();
  }

  async take(idHash: string): Promise<SrpExchange | undefined> {
    const row = await this.db.selectFrom('srp_exchanges').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    if (!row) return undefined;
    const deleted = await this.db.deleteFrom('srp_exchanges').where('id_hash', '=', idHash).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return undefined;
    const data = JSON.parse(row.data) as Pick<SrpExchange, 'a' | 'b' | 'B' | 'verifier' | 'typedName' | 'userIdForSrp'>;
    return { poolId: row.pool_id, clientId: row.client_id, userId: row.user_id, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at), ...data };
  }
}
