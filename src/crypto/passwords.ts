import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id baseline (m = 19 MiB, t = 2, p = 1). Algorithm 2 is argon2id (a const enum the
// package's types do not let isolated modules import).
const PARAMS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    // A malformed stored hash verifies nothing; it must never let a sign-in through.
    return false;
  }
}

let decoy: Promise<string> | undefined;

/**
 * Spends the same argon2 work as a real verification, for users that do not exist, so response
 * time does not tell whether a username is taken.
 */
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoy ??= hashPassword('tessera-decoy-password');
  await verifyPassword(await decoy, password);
  return false;
}
