import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface AuthorizationCode {
  poolId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  authTime: number;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  originJti: string | null;
}

/** Authorization codes, kept only as hashes; each may be redeemed once. */
export class AuthorizationCodeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(codeHash: string, c: AuthorizationCode): Promise<void> {
    await this.db
      .insertInto('authorization_codes')
      .values({
        code_hash: codeHash,
        pool_id: c.poolId,
        client_id: c.clientId,
        user_id: c.userId,
        redirect_uri: c.redirectUri,
        scopes: c.scopes.join(' '),
        nonce: c.nonce,
        code_challenge: c.codeChallenge,
        code_challenge_method: c.codeChallengeMethod,
        auth_time: c.authTime,
        created_at: c.createdAt,
        expires_at: c.expiresAt,
        used_at: null,
        origin_jti: null,
      })
      .execute();
  }

  async find(codeHash: string): Promise<AuthorizationCode | undefined> {
    const r = await this.db.selectFrom('authorization_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
    return (
      r && {
        poolId: r.pool_id,
        clientId: r.client_id,
        userId: r.user_id,
        redirectUri: r.redirect_uri,
        scopes: r.scopes ? r.scopes.split(' ') : [],
        nonce: r.nonce,
        codeChallenge: r.code_challenge,
        codeChallengeMethod: r.code_challenge_method,
        authTime: r.auth_time,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
        usedAt: r.used_at,
        originJti: r.origin_jti,
      }
    );
  }

  /** Marks the code used; false when another request redeemed it first. */
  async markUsed(codeHash: string, at: number): Promise<boolean> {
    const result = await this.db.updateTable('authorization_codes').set({ used_at: at }).where('code_hash', '=', codeHash).where('used_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async recordOrigin(codeHash: string, originJti: string): Promise<void> {
    await this.db.updateTable('authorization_codes').set({ origin_jti: originJti }).where('code_hash', '=', codeHash).execute();
  }
}
