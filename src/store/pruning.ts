import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** How long ended records are kept before pruning, for the console and incident review. */
const GRACE_MS = 24 * 3600_000;
/** Decisions are kept 30 days, long enough to answer "why was this denied last week?". */
const DECISION_RETENTION_MS = 30 * GRACE_MS;
/** AWS honours a client token for 8 hours. */
export const CLIENT_TOKEN_TTL_MS = 8 * 3600_000;

/**
 * Deletes what can no longer matter: ended sessions (their tokens expired long since), used-up
 * challenges and codes, signing keys past their publication, stale failure counters, and old decisions.
 */
export async function pruneExpired(db: Kysely<Database>, now: number): Promise<void> {
  const before = now - GRACE_MS;
  await db.deleteFrom('sessions').where('expires_at', '<', before).execute();
  await db.deleteFrom('challenge_sessions').where('expires_at', '<', now).execute();
  await db.deleteFrom('srp_exchanges').where('expires_at', '<', now).execute();
  await db.deleteFrom('custom_auth_sessions').where('expires_at', '<', now).execute();
  await db.deleteFrom('codes').where('expires_at', '<', now).execute();
  await db.deleteFrom('signing_keys').where('expires_at', '<', now).execute();
  await db.deleteFrom('auth_failures').where('last_failure_at', '<', before).where('locked_until', '<', now).execute();
  await db.deleteFrom('authorization_codes').where('expires_at', '<', before).execute();
  await db.deleteFrom('login_sessions').where('expires_at', '<', now).execute();
  await db.deleteFrom('outbox').where('created_at', '<', now - 7 * GRACE_MS).execute();
  await db.deleteFrom('client_tokens').where('created_at', '<', now - CLIENT_TOKEN_TTL_MS).execute();
  await db.deleteFrom('decision_log').where('at', '<', now - DECISION_RETENTION_MS).execute();
}
