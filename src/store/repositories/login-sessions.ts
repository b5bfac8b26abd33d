import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface LoginSession {
  poolId: string;
  userId: string;
  authTime: number;
  createdAt: number;
  expiresAt: number;
}

/** Hosted UI sign-in sessions (the browser cookie), keyed by the hash of the cookie value. */
export class LoginSessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(idHash: string, s: LoginSession): Promise<void> {
    await this.db
      .insertInto('login_sessions')
      .values({ id_hash: idHash, pool_id: s.poolId, user_id: s.userId, auth_time: s.authTime, created_at: s.createdAt, expires_at: s.expiresAt })
      .execute();
  }

  async find(idHash: string): Promise<LoginSession | undefined> {
    const r = await this.db.selectFrom('login_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return r && { poolId: r.pool_id, userId: r.user_id, authTime: r.auth_time, createdAt: r.created_at, expiresAt: r.expires_at };
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('login_sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteAllOfUser(userId: string): Promise<void> {
    await this.db.deleteFrom('login_sessions').where('user_id', '=', userId).execute();
  }
}
