import { NotAuthorizedException } from '../errors.ts';
import type { AuthFailureRepository } from '../store/repositories/auth-failures.ts';
import type { Clock } from '../util/clock.ts';

/** Failures allowed before each further one locks the name for a doubling while. */
const FREE_FAILURES = 5;
const FIRST_LOCK_MS = 1_000;
const MAX_LOCK_MS = 15 * 60_000;
/** A quiet period after which the count starts again. */
const RESET_AFTER_MS = 15 * 60_000;

/**
 * The key failures count against: the user, however they named themselves (username, email alias,
 * sub), so aliases do not multiply the allowance; or the typed name when no such user exists.
 */
export function guardSubject(user: { id: string } | undefined, typedName: string): string {
  return user ? `user:${user.id}` : `name:${typedName.toLowerCase()}`;
}

/**
 * Cognito-style protection against password guessing, per pool and typed username, kept whether or
 * not the user exists so it reveals nothing. A locked name is refused before any argon2 work.
 */
export class BruteForceGuard {
  constructor(
    private readonly repo: AuthFailureRepository,
    private readonly clock: Clock,
  ) {}

  /** Throws while the name is locked; otherwise tells whether it has failures on record. */
  async assertNotLocked(poolId: string, subjectKey: string): Promise<{ hasFailures: boolean }> {
    const r = await this.repo.find(poolId, subjectKey);
    if (r && r.lockedUntil > this.clock.now()) throw new NotAuthorizedException('Password attempts exceeded');
    return { hasFailures: r !== undefined };
  }

  async recordFailure(poolId: string, subjectKey: string): Promise<void> {
    const now = this.clock.now();
    const prior = await this.repo.find(poolId, subjectKey);
    const failures = prior && now - prior.lastFailureAt < RESET_AFTER_MS ? prior.failures + 1 : 1;
    const over = failures - FREE_FAILURES;
    const lockedUntil = over >= 0 ? now + Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** Math.min(over, 20)) : 0;
    await this.repo.put(poolId, subjectKey, { failures, lastFailureAt: now, lockedUntil });
  }

  async recordSuccess(poolId: string, subjectKey: string): Promise<void> {
    await this.repo.clear(poolId, subjectKey);
  }
}
