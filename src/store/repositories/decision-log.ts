import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import { type DecisionRecord, type PendingDecision, timeOrderedIds } from '../../authz/decisions/decision-log.ts';
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

/** One id sequence per process: decisions are written in the order they were made. */
const nextId = timeOrderedIds();

function toRow(r: PendingDecision): DecisionLogTable {
  return {
    id: nextId(r.at, randomUUID()),
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
  };
}

/** A decision as the writer thread takes it: one array per row, the batch as one JSON string. */
function toWire(r: PendingDecision): unknown[] {
  return [r.at, r.engine, r.scope, storable(r.principal), storable(r.action), storable(r.resource), r.decision, r.determiningPolicies, r.errors, r.latencyMicros];
}

/** The decision log: appended in batches, read newest first. */
export class DecisionLogRepository {
  private writer: Worker | undefined;
  private readonly waiting = new Map<number, { resolve(): void; reject(e: Error): void }>();
  private nextId = 0;

  /**
   * With `sqliteFile`, appends go to a worker thread with its own connection to that file: at the
   * rates authorization is logged, inserting on the request thread cost more than deciding.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sqliteFile?: string,
  ) {}

  async append(records: PendingDecision[]): Promise<void> {
    if (records.length === 0) return;
    if (this.sqliteFile) return this.appendInWorker(JSON.stringify(records.map(toWire)));
    await this.db.insertInto('decision_log').values(records.map(toRow)).execute();
  }

  private appendInWorker(rows: string): Promise<void> {
    if (!this.writer) {
      const writer = new Worker(new URL('../decision-log-writer.mjs', import.meta.url), { workerData: { path: this.sqliteFile } });
      writer.on('message', (m: { id?: number; error?: string }) => {
        if (m.id === undefined) return;
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if (m.error) w?.reject(new Error(m.error));
        else w?.resolve();
      });
      writer.on('error', (e) => {
        for (const w of this.waiting.values()) w.reject(e);
        this.waiting.clear();
        this.writer = undefined;
      });
      writer.unref();
      this.writer = writer;
    }
    const id = ++this.nextId;
    const writer = this.writer;
    // While a batch is in flight the writer keeps the process alive, so a shutdown that awaits the
    // flush is not cut short; idle, it does not hold the process open.
    writer.ref();
    const done = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject })).finally(() => {
      if (this.waiting.size === 0) writer.unref();
    });
    writer.postMessage({ id, rows });
    return done;
  }

  /** Stops the writer thread, once what it was given is written. */
  async close(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    if (!writer) return;
    await new Promise<void>((resolve) => {
      writer.on('message', (m: { closed?: boolean }) => m.closed && resolve());
      writer.postMessage({ close: true });
    });
    await writer.terminate();
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
