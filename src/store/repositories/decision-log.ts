import type { Kysely } from 'kysely';
import type { DecisionRecord } from '../../authz/decisions/decision-log.ts';
import type { Database, DecisionLogTable } from '../schema.ts';

function toRecord(row: DecisionLogTable): DecisionRecord {
  return {
    id: row.id,
    at: Number(row.at),
    engine: row.engine as DecisionRecord['engine'],
    scope: row.scope,
    principal: row.principal,
    action: row.action,
    resource: row.resource,
    decision: row.decision as DecisionRecord['decision'],
    determiningPolicies: JSON.parse(row.determining_policies),
    errors: JSON.parse(row.errors),
    latencyMicros: row.latency_us,
  };
}

export interface DecisionQuery {
  scope?: string;
  engine?: DecisionRecord['engine'];
  principal?: string;
  decision?: DecisionRecord['decision'];
  /** Only decisions before this time (epoch ms), for paging back through the log. */
  before?: number;
  limit: number;
}

/** Cedar ids may hold U+0000, which PostgreSQL text cannot: kept as the escape `\u0000`. */
const storable = (s: string) => s.replaceAll('\0', '\\u0000');

/** The decision log: appended in batches, read newest first. */
export class DecisionLogRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(records: DecisionRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.db
      .insertInto('decision_log')
      .values(
        records.map((r) => ({
          id: r.id,
          at: r.at,
          engine: r.engine,
          scope: r.scope,
          principal: storable(r.principal),
          action: storable(r.action),
          resource: storable(r.resource),
          decision: r.decision,
          determining_policies: JSON.stringify(r.determiningPolicies),
          errors: JSON.stringify(r.errors),
          latency_us: r.latencyMicros,
        })),
      )
      .execute();
  }

  async query(q: DecisionQuery): Promise<DecisionRecord[]> {
    let query = this.db.selectFrom('decision_log').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(q.limit);
    if (q.scope !== undefined) query = query.where('scope', '=', q.scope);
    if (q.engine !== undefined) query = query.where('engine', '=', q.engine);
    if (q.principal !== undefined) query = query.where('principal', '=', q.principal);
    if (q.decision !== undefined) query = query.where('decision', '=', q.decision);
    if (q.before !== undefined) query = query.where('at', '<', q.before);
    return (await query.execute()).map(toRecord);
  }

  async deleteBefore(at: number): Promise<void> {
    await this.db.deleteFrom('decision_log').where('at', '<', at).execute();
  }
}
