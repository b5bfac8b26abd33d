import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface OutboxMessage {
  id: string;
  poolId: string;
  userId: string | null;
  channel: 'EMAIL' | 'SMS';
  destination: string;
  purpose: string;
  subject: string | null;
  body: string;
  code: string | null;
  createdAt: number;
}

/** Messages the default sender delivered, for tests, demos and the console to read. */
export class OutboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(m: OutboxMessage): Promise<void> {
    await this.db
      .insertInto('outbox')
      .values({
        id: m.id,
        pool_id: m.poolId,
        user_id: m.userId,
        channel: m.channel,
        destination: m.destination,
        purpose: m.purpose,
        subject: m.subject,
        body: m.body,
        code: m.code,
        created_at: m.createdAt,
      })
      .execute();
  }

  /** Newest first. */
  async list(filter: { poolId?: string; destination?: string; limit?: number } = {}): Promise<OutboxMessage[]> {
    let query = this.db.selectFrom('outbox').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit ?? 50);
    if (filter.poolId) query = query.where('pool_id', '=', filter.poolId);
    if (filter.destination) query = query.where('destination', '=', filter.destination);
    const rows = await query.execute();
    return rows.map((r) => ({
      id: r.id,
      poolId: r.pool_id,
      userId: r.user_id,
      channel: r.channel as 'EMAIL' | 'SMS',
      destination: r.destination,
      purpose: r.purpose,
      subject: r.subject,
      body: r.body,
      code: r.code,
      createdAt: r.created_at,
    }));
  }
}
