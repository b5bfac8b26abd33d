import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export type CodePurpose = 'signup' | 'forgot_password' | 'verify_email' | 'verify_phone_number';

export interface StoredCode {
  userId: string;
  purpose: CodePurpose;
  codeHash: string;
  attempts: number;
  createdAt: number;
  expiresAt: number;
}

/** One-time codes, stored hashed; one live code per user and purpose. */
export class CodeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async put(code: StoredCode): Promise<void> {
    await this.db.deleteFrom('codes').where('user_id', '=', code.userId).where('purpose', '=', code.purpose).execute();
    await this.db
      .insertInto('codes')
      .values({
        user_id: code.userId,
        purpose: code.purpose,
        code_hash: code.codeHash,
        attempts: code.attempts,
        created_at: code.createdAt,
        expires_at: code.expiresAt,
      })
      .execute();
  }

  async find(userId: string, purpose: CodePurpose): Promise<StoredCode | undefined> {
    const row = await this.db.selectFrom('codes').selectAll().where('user_id', '=', userId).where('purpose', '=', purpose).executeTakeFirst();
    return (
      row && { userId: row.user_id, purpose: row.purpose as CodePurpose, codeHash: row.code_hash, attempts: row.attempts, createdAt: row.created_at, expiresAt: row.expires_at }
    );
  }

  async countAttempt(userId: string, purpose: CodePurpose): Promise<void> {
    await this.db
      .updateTable('codes')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .execute();
  }

  async delete(userId: string, purpose: CodePurpose): Promise<void> {
    await this.db.deleteFrom('codes').where('user_id', '=', userId).where('purpose', '=', purpose).execute();
  }
}
