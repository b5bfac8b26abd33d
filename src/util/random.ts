import { randomBytes, randomInt, randomUUID } from 'node:crypto';

/** Randomness comes through this seam so tests can make it predictable where they need to. */
export interface Random {
  bytes(size: number): Buffer;
  uuid(): string;
  /** Uniform integer in [0, max). */
  int(max: number): number;
}

export const cryptoRandom: Random = {
  bytes: (size) => randomBytes(size),
  uuid: () => randomUUID(),
  int: (max) => randomInt(max),
};

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function randomString(random: Random, length: number, alphabet = ALPHANUMERIC): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[random.int(alphabet.length)];
  return out;
}

export function randomLowerAlphanumeric(random: Random, length: number): string {
  return randomString(random, length, LOWER_ALPHANUMERIC);
}

export function randomDigits(random: Random, length: number): string {
  return randomString(random, length, '0123456789');
}
