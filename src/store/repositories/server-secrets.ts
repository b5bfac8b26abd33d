import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** Secrets every instance must share (cookie and CSRF keys), created once by whichever asks first. */
export class ServerSecretRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async getOrCreate(name: string, create: () => string, now: number): Promise<string> {
    await this.db
      .insertInto('server_secrets')
      .values({ name, value: create(), created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await this.db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return row.value;
  }
}
