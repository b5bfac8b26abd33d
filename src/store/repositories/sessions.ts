import type { Kysely } from 'kysely';
import type { Database, SessionTable } from '../schema.ts';

export interface Session {
  originJti: string;
  poolId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  authTime: number;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

function toSession(row: SessionTable): Session {
  return {
    originJti: row.origin_jti,
    poolId: row.pool_id,
    clientId: row.client_id,
    userId: row.user_id,
    scopes: row.scopes ? row.scopes.split(' ') : [],
    authTime: row.auth_time,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * A sign-in session: the origin of a refresh token and of every ID and access token minted from it
 * (`origin_jti`). Revoking the session revokes all of them. Refresh tokens are kept only as hashes.
 */
export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(s: Session, refreshTokenHash: string | null): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        origin_jti: s.originJti,
        pool_id: s.poolId,
        client_id: s.clientId,
        user_id: s.userId,
        refresh_token_hash: refreshTokenHash,
        scopes: s.scopes.join(' '),
        auth_time: s.authTime,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        revoked_at: null,
      })
      .execute();
  }

  async find(originJti: string): Promise<Session | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('origin_jti', '=', originJti).executeTakeFirst();
    return row && toSession(row);
  }

  async findByRefreshTokenHash(hash: string): Promise<Session | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('refresh_token_hash', '=', hash).executeTakeFirst();
    return row && toSession(row);
  }

  async revoke(originJti: string, at: number): Promise<void> {
    await this.db.updateTable('sessions').set({ revoked_at: at }).where('origin_jti', '=', originJti).where('revoked_at', 'is', null).execute();
  }

  async revokeAllOfUser(userId: string, at: number): Promise<void> {
    await this.db.updateTable('sessions').set({ revoked_at: at }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  }
}
