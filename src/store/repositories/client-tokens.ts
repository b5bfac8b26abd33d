import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** Client tokens of idempotent AWS operations and the answers they got. */
export class ClientTokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Claims a token for a request; false when it was claimed before (by this or another request). */
  async claim(operation: string, token: string, requestHash: string, now: number): Promise<boolean> {
    const result = await this.db.insertInto('client_tokens').values({ operation, token, request_hash: requestHash, response: null, created_at: now }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async find(operation: string, token: string, since: number): Promise<{ requestHash: string; response: string | null } | undefined> {
    const row = await this.db.selectFrom('client_tokens').select(['request_hash', 'response']).where('operation', '=', operation).where('token', '=', token).where('created_at', '>=', since).executeTakeFirst();
    return row && { requestHash: row.request_hash, response: row.response };
  }

  async complete(operation: string, token: string, response: string): Promise<void> {
    await this.db.updateTable('client_tokens').set({ response }).where('operation', '=', operation).where('token', '=', token).execute();
  }

  async release(operation: string, token: string): Promise<void> {
    await this.db.deleteFrom('client_tokens').where('operation', '=', operation).where('token', '=', token).execute();
  }

  /** Frees a token older than the window, so it can be claimed again. */
  async expire(operation: string, token: string, before: number): Promise<void> {
    await this.db.deleteFrom('client_tokens').where('operation', '=', operation).where('token', '=', token).where('created_at', '<', before).execute();
  }
}
