import { describe, expect, it } from 'vitest';
import type { TokenService, VerifiedToken } from '../../src/tokens/token-service.ts';
import { VerifiedTokenCache } from '../../src/tokens/verified-token-cache.ts';
import { ManualClock } from '../../src/util/clock.ts';

/** A token service that counts its verifications and can be told to start refusing. */
function countingService(clock: ManualClock, expSeconds: number) {
  let calls = 0;
  let refuse = false;
  const service = {
    verify: async (token: string): Promise<VerifiedToken> => {
      calls++;
      if (refuse || clock.now() >= expSeconds * 1000) throw new Error('refused');
      return { poolId: 'p', claims: { sub: token, exp: expSeconds } as VerifiedToken['claims'] };
    },
  } as unknown as TokenService;
  return { service, calls: () => calls, refuseFromNowOn: () => (refuse = true) };
}

describe('the verified-token cache', () => {
  const expected = { tokenUse: 'access' as const, poolId: 'p' };

  it('answers a repeated token from memory for a second, then verifies it again', async () => {
    const clock = new ManualClock(1_000_000);
    const s = countingService(clock, 10_000);
    const cache = new VerifiedTokenCache(s.service, clock);
    await cache.verify('t1', expected);
    await cache.verify('t1', expected);
    expect(s.calls()).toBe(1);
    s.refuseFromNowOn();
    clock.advance(999);
    await expect(cache.verify('t1', expected)).resolves.toBeDefined();
    clock.advance(1);
    await expect(cache.verify('t1', expected)).rejects.toThrow('refused');
  });

  it('never keeps a token past its expiry', async () => {
    const clock = new ManualClock(9_999_500);
    const s = countingService(clock, 10_000);
    const cache = new VerifiedTokenCache(s.service, clock);
    await cache.verify('t1', expected);
    clock.advance(500);
    await expect(cache.verify('t1', expected)).rejects.toThrow('refused');
  });

  it('keeps what was verified for one expectation apart from another', async () => {
    const clock = new ManualClock(1_000_000);
    const s = countingService(clock, 10_000);
    const cache = new VerifiedTokenCache(s.service, clock);
    await cache.verify('t1', { ...expected, clientIds: ['a'] });
    await cache.verify('t1', { ...expected, clientIds: ['b'] });
    await cache.verify('t1', { tokenUse: 'id', poolId: 'p' });
    expect(s.calls()).toBe(3);
  });

  it('does not remember refusals', async () => {
    const clock = new ManualClock(1_000_000);
    const s = countingService(clock, 10_000);
    s.refuseFromNowOn();
    const cache = new VerifiedTokenCache(s.service, clock);
    await expect(cache.verify('t1', expected)).rejects.toThrow();
    await expect(cache.verify('t1', expected)).rejects.toThrow();
    expect(s.calls()).toBe(2);
  });

  it('stays bounded: when full of live entries it forgets them rather than grow', async () => {
    const clock = new ManualClock(1_000_000);
    const s = countingService(clock, 10_000);
    const cache = new VerifiedTokenCache(s.service, clock, 1_000, 3);
    for (const t of ['a', 'b', 'c', 'd']) await cache.verify(t, expected);
    await cache.verify('a', expected);
    expect(s.calls()).toBe(5);
  });
});
