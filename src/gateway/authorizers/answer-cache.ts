import type { Clock } from '../../util/clock.ts';

/** Distinct identities kept at most; beyond it the oldest answer goes, so a flood of new tokens cannot grow memory. */
const MAX_ENTRIES = 10_000;

/** Authorizer answers per identity, for the route's TTL on the domain clock (so tests can move time). */
export class AnswerCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, until: this.clock.now() + this.ttlMs });
  }
}
