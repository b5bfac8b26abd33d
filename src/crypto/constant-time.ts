import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two strings in time independent of where they differ. Both sides are hashed first so
 * that unequal lengths neither throw nor leak the expected length.
 */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}
