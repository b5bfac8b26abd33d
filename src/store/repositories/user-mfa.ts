import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface UserMfa {
  /** The registered software token; `secret` is sealed with the server's MFA key. */
  totp?: { secret: string; verified: boolean; enabled: boolean; friendlyName?: string; lastStep?: number };
  /** A secret from AssociateSoftwareToken not verified yet (sealed). */
  pendingSecret?: string;
  preferred?: 'SOFTWARE_TOKEN_MFA';
}

/** Multi-factor settings per user; deleting the user deletes them. */
export class UserMfaRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(userId: string): Promise<UserMfa> {
    const row = await this.db.selectFrom('user_mfa').select('data').where('user_id', '=', userId).executeTakeFirst();
    return row ? (JSON.parse(row.data) as UserMfa) : {};
  }

  async put(userId: string, mfa: UserMfa, now: number): Promise<void> {
    const data = JSON.stringify(mfa);
    await this.db
      .insertInto('user_mfa')
      .values({ user_id: userId, data, updated_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ data, updated_at: now }))
      .execute();
  }
}
