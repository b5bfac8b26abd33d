import type { Clock } from '../util/clock.ts';
import type { TokenService, TokenUse, VerifiedToken } from './token-service.ts';

/**
 * Remembers tokens that passed `TokenService.verify` for a short while, for consumers that see the
 * same token on many requests (the gateway). A signature check and a session lookup per request
 * cost more than the proxying itself; this trades them for a bounded delay: a revoked session or a
 * disabled user is refused at most `maxAgeMs` later, as policy changes reach other instances. A
 * token is never kept past its own expiry, and refusals are not remembered.
 */
export class VerifiedTokenCache {
  /** Token → expectation → entry: keyed by the token as it came, so no per-request key is built. */
  private readonly entries = new Map<string, Map<string, { verified: VerifiedToken; until: number }>>();
  private size = 0;

  constructor(
    private readonly tokens: TokenService,
    private readonly clock: Clock,
    private readonly maxAgeMs = 1_000,
    private readonly maxEntries = 10_000,
  ) {}

  async verify(token: string, expected: { tokenUse: TokenUse; clientIds?: string[]; poolId?: string }): Promise<VerifiedToken> {
    // The expectation is part of the key: a token verified for one route's clients is not for another's.
    const expectation = `${expected.tokenUse} ${expected.poolId ?? ''} ${expected.clientIds?.join(',') ?? '*'}`;
    const now = this.clock.now();
    const hit = this.entries.get(token)?.get(expectation);
    if (hit && now < hit.until) return hit.verified;
    const verified = await this.tokens.verify(token, expected);
    if (this.size >= this.maxEntries) this.evict(now);
    let forToken = this.entries.get(token);
    if (!forToken) this.entries.set(token, (forToken = new Map()));
    if (!forToken.has(expectation)) this.size++;
    forToken.set(expectation, { verified, until: Math.min(now + this.maxAgeMs, verified.claims.exp * 1000) });
    return verified;
  }

  private evict(now: number): void {
    for (const [token, forToken] of this.entries) {
      for (const [expectation, e] of forToken) if (e.until <= now) forToken.delete(expectation);
      if (forToken.size === 0) this.entries.delete(token);
    }
    this.size = [...this.entries.values()].reduce((n, m) => n + m.size, 0);
    // Still full of live entries: forget them all rather than grow; they are re-verified on next use.
    if (this.size >= this.maxEntries) {
      this.entries.clear();
      this.size = 0;
    }
  }
}
