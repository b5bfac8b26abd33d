/**
 * Counts failed credential attempts per client address and says when an address has had too many
 * in the window. In memory per instance: enough to make guessing slow, with nothing to store.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  blocked(address: string): boolean {
    const f = this.failures.get(address);
    return f !== undefined && this.now() - f.since < this.windowMs && f.count >= this.max;
  }

  fail(address: string): void {
    const now = this.now();
    const f = this.failures.get(address);
    const entry = f && now - f.since < this.windowMs ? f : { count: 0, since: now };
    entry.count++;
    this.failures.set(address, entry);
    // A flood of addresses must not grow the map without bound; forgetting is the safe side here.
    if (this.failures.size > 10_000) this.failures.clear();
  }
}
