import { hashPassword } from '../crypto/passwords.ts';
import { createVerifier, type SrpVerifier } from '../crypto/srp.ts';
import type { Random } from '../util/random.ts';

/** SRP's "pool name": the part of the pool id after the region, as Cognito's clients derive it. */
export function srpPoolName(poolId: string): string {
  return poolId.slice(poolId.indexOf('_') + 1);
}

/**
 * What is stored for a password, never the password itself: an argon2id hash for password sign-in
 * and an SRP verifier for USER_SRP_AUTH, bound to the user's internal username (`USER_ID_FOR_SRP`).
 */
export async function passwordCredentials(poolId: string, username: string, password: string, random: Random): Promise<{ passwordHash: string; srp: SrpVerifier }> {
  return { passwordHash: await hashPassword(password), srp: createVerifier(srpPoolName(poolId), username, password, random.bytes(16)) };
}
