import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface ChallengeSession {
  poolId: string;
  clientId: string;
  userId: string;
  challenge: string;
  createdAt: number;
  expiresAt: number;
}

/** Pending auth challenges, keyed by the hash of the opaque `Session` string the client holds. */
export class ChallengeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(idHash: string, c: ChallengeSession): Promise<void> {
    await this.db
      .insertInto('challenge_sessions')
      .values({ id_hash: idHash, pool_id: c.poolId, client_id: c.clientId, user_id: c.userId, challenge: c.challenge, created_at: c.createdAt, expires_at: c.expiresAt })
      .execute();
  }

  /** Reads a pending challenge without using it up (steps inside a challenge, e.g. MFA enrolment). */
  async peek(idHash: string): Promise<ChallengeSession | undefined> {
    const row = await this.db.selectFrom('challenge_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row && { poolId: row.pool_id, clientId: row.client_id, userId: row.user_id, challenge: row.challenge, createdAt: row.created_at, expiresAt: row.expires_at };
  }

  /** Takes the session out: a challenge answer is accepted at most once. */
  async take(idHash: string): Promise<ChallengeSession | undefined> {
    const row = await this.db.selectFrom('challenge_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    if (!row) return undefined;
    const deleted = await this.db.deleteFrom('challenge_sessions').where('id_hash', '=', idHash).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return undefined;
    return { poolId: row.pool_id, clientId: row.client_id, userId: row.user_id, challenge: row.challenge, createdAt: row.created_at, expiresAt: row.expires_at };
  }
}
