import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface CustomAuthSession {
  poolId: string;
  clientId: string;
  userId: string;
  /** DefineAuthChallenge's `session`: each challenge so far and whether it was answered right. */
  history: Array<{ challengeName: 'CUSTOM_CHALLENGE'; challengeResult: boolean; challengeMetadata?: string }>;
  privateChallengeParameters: Record<string, string>;
  challengeMetadata?: string;
  createdAt: number;
  expiresAt: number;
}

/** Pending CUSTOM_AUTH sign-ins, keyed by the hash of their Session; each answer uses one up. */
export class CustomAuthSessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(idHash: string, c: CustomAuthSession): Promise<void> {
    const { poolId, clientId, userId, createdAt, expiresAt, ...data } = c;
    await this.db
      .insertInto('custom_auth_sessions')
      .values({ id_hash: idHash, pool_id: poolId, client_id: clientId, user_id: userId, data: JSON.stringify(data), created_at: createdAt, expires_at: expiresAt })
      .execute();
  }

  async take(idHash: string): Promise<CustomAuthSession | undefined> {
    const row = await this.db.selectFrom('custom_auth_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    if (!row) return undefined;
    const deleted = await this.db.deleteFrom('custom_auth_sessions').where('id_hash', '=', idHash).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return undefined;
    const data = JSON.parse(row.data) as Pick<CustomAuthSession, 'history' | 'privateChallengeParameters' | 'challengeMetadata'>;
    return { poolId: row.pool_id, clientId: row.client_id, userId: row.user_id, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at), ...data };
  }
}
