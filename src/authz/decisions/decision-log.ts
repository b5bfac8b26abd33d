import type { DecisionLogRepository, DecisionQuery } from '../../store/repositories/decision-log.ts';
import type { Clock } from '../../util/clock.ts';

export type Engine = 'cedar' | 'cerbos' | 'rbac' | 'gateway';

/** One authorization decision, whatever engine made it: the answer to "why was this denied?". */
export interface DecisionRecord {
  id: string;
  at: number;
  engine: Engine;
  /** Where it was decided: a policy store id, a Cerbos scope, an RBAC environment, a gateway route. */
  scope: string;
  principal: string;
  action: string;
  resource: string;
  decision: 'ALLOW' | 'DENY';
  determiningPolicies: string[];
  errors: string[];
  latencyMicros: number;
}

export type NewDecision = Omit<DecisionRecord, 'id' | 'at'>;

/** A decision waiting to be written; the writer gives it its id. */
export type PendingDecision = Omit<DecisionRecord, 'id'>;

/** Decisions kept in memory before one batched insert; a burst beyond this flushes at once. */
const FLUSH_AT = 500;
const FLUSH_EVERY_MS = 1_000;

/**
 * The one decision log. Recording is synchronous and costs no query: records are appended in
 * batches, at most a second later, so logging never adds a database round trip to a decision.
 * A crash loses at most that last second.
 */
export class DecisionLog {
  private pending: PendingDecision[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: DecisionLogRepository,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
  ) {}

  record(decision: NewDecision): void {
    this.pending.push({ at: this.clock.now(), ...decision });
    if (this.pending.length >= FLUSH_AT) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
      this.timer.unref();
    }
  }

  /** Writes what is pending; resolves once everything recorded before the call is stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(async () => {
      try {
        for (let i = 0; i < batch.length; i += FLUSH_AT) await this.repo.append(batch.slice(i, i + FLUSH_AT));
      } catch (error) {
        this.onError(error);
      }
    });
    return this.flushing;
  }

  /** Writes what is pending and stops the writer. */
  async close(): Promise<void> {
    await this.flush();
    await this.repo.close();
  }

  /** Newest first. Pending records are flushed first so a caller sees its own decisions. */
  async query(q: DecisionQuery): Promise<DecisionRecord[]> {
    await this.flush();
    return this.repo.query(q);
  }
}

/**
 * Makes UUIDv7s: the time first, then a counter within the millisecond (RFC 9562's method 1, in
 * the 12 bits after the version), then a v4's random bits; the writers give each decision one. Ids
 * that grow with time are appended to the primary-key index rather than scattered through it,
 * which makes each insert several times cheaper; the counter keeps decisions of one millisecond
 * in the order they were made, so "newest first" is exact.
 */
export function timeOrderedIds(): (at: number, uuid4: string) => string {
  let lastMs = -1;
  let seq = 0;
  return (at, uuid4) => {
    const ms = Math.max(0, Math.floor(at));
    seq = ms === lastMs ? Math.min(seq + 1, 0xfff) : 0;
    lastMs = ms;
    const t = ms.toString(16).padStart(12, '0').slice(-12);
    return `${t.slice(0, 8)}-${t.slice(8)}-7${seq.toString(16).padStart(3, '0')}${uuid4.slice(18)}`;
  };
}

/** `Type::"id"`, the way Cedar and the log name an entity. */
export function entityName(type: string | undefined, id: string | undefined): string {
  return type === undefined ? '' : `${type}::${JSON.stringify(id ?? '')}`;
}
