import { createHmac, randomBytes } from 'node:crypto';
// The client half comes from amazon-cognito-identity-js itself, so the server is checked against the real thing.
import AuthenticationHelper from 'amazon-cognito-identity-js/lib/AuthenticationHelper.js';
import BigInteger from 'amazon-cognito-identity-js/lib/BigInteger.js';
import { describe, expect, it } from 'vitest';
import { createVerifier, padHex, parseClientPublic, parseTimestamp, serverEphemeral, SRP_N_HEX, verifyPasswordClaim } from '../../src/crypto/srp.ts';

type Helper = {
  getLargeAValue(cb: (err: unknown, A: { toString(radix: number): string }) => void): void;
  getPasswordAuthenticationKey(user: string, password: string, B: unknown, salt: unknown, cb: (err: unknown, hkdf: Buffer) => void): void;
};
const Helper = ((AuthenticationHelper as unknown as { default?: unknown }).default ?? AuthenticationHelper) as new (poolName: string) => Helper;
const Big = ((BigInteger as unknown as { default?: unknown }).default ?? BigInteger) as new (hex: string, radix: number) => unknown;

const POOL = 'AbCdEf123';
const USER = 'alice';
const PASSWORD = 'Correct-Horse-9';
const TIMESTAMP = 'Tue Feb 6 09:05:03 UTC 2024';

/** One sign-in as amazon-cognito-identity-js performs it, against the server functions. */
async function signIn(password: string, opts: { secretBlock?: Buffer; timestamp?: string; userForVerifier?: string } = {}) {
  const stored = createVerifier(POOL, opts.userForVerifier ?? USER, PASSWORD, randomBytes(16));
  const helper = new Helper(POOL);
  const A = await new Promise<string>((resolve, reject) => helper.getLargeAValue((e, a) => (e ? reject(e) : resolve(a.toString(16)))));
  const ephemeral = serverEphemeral(stored.verifier, randomBytes);
  const hkdf = await new Promise<Buffer>((resolve, reject) =>
    helper.getPasswordAuthenticationKey(USER, password, new Big(ephemeral.B.toString(16), 16), new Big(stored.salt, 16), (e, k) => (e ? reject(e) : resolve(k))),
  );
  const secretBlock = opts.secretBlock ?? randomBytes(64);
  const timestamp = opts.timestamp ?? TIMESTAMP;
  const signature = createHmac('sha256', hkdf).update(Buffer.concat([Buffer.from(POOL), Buffer.from(USER), secretBlock, Buffer.from(timestamp)])).digest('base64');
  return { stored, A: parseClientPublic(A)!, ephemeral, secretBlock, timestamp, signature };
}

describe("Cognito's SRP, server side", () => {
  it('accepts the password claim amazon-cognito-identity-js computes for the right password', async () => {
    const s = await signIn(PASSWORD);
    expect(verifyPasswordClaim({ poolName: POOL, userIdForSrp: USER, verifier: s.stored.verifier, A: s.A, ephemeral: s.ephemeral, secretBlock: s.secretBlock, timestamp: s.timestamp, signature: s.signature })).toBe(true);
  });

  it('refuses the claim for a wrong password', async () => {
    const s = await signIn('Wrong-Horse-9');
    expect(verifyPasswordClaim({ poolName: POOL, userIdForSrp: USER, verifier: s.stored.verifier, A: s.A, ephemeral: s.ephemeral, secretBlock: s.secretBlock, timestamp: s.timestamp, signature: s.signature })).toBe(false);
  });

  it('refuses a claim whose signed secret block, timestamp, user or pool differ from what is checked', async () => {
    const s = await signIn(PASSWORD);
    const base = { poolName: POOL, userIdForSrp: USER, verifier: s.stored.verifier, A: s.A, ephemeral: s.ephemeral, secretBlock: s.secretBlock, timestamp: s.timestamp, signature: s.signature };
    expect(verifyPasswordClaim({ ...base, secretBlock: randomBytes(64) })).toBe(false);
    expect(verifyPasswordClaim({ ...base, timestamp: 'Tue Feb 6 09:05:04 UTC 2024' })).toBe(false);
    expect(verifyPasswordClaim({ ...base, userIdForSrp: 'bob' })).toBe(false);
    expect(verifyPasswordClaim({ ...base, poolName: 'Other' })).toBe(false);
    expect(verifyPasswordClaim({ ...base, signature: 'not base64 at all' })).toBe(false);
    expect(verifyPasswordClaim({ ...base, signature: '' })).toBe(false);
  });

  it('refuses a claim against a verifier made for another user id', async () => {
    const s = await signIn(PASSWORD, { userForVerifier: 'someone-else' });
    expect(verifyPasswordClaim({ poolName: POOL, userIdForSrp: USER, verifier: s.stored.verifier, A: s.A, ephemeral: s.ephemeral, secretBlock: s.secretBlock, timestamp: s.timestamp, signature: s.signature })).toBe(false);
  });

  it('refuses A values that are not numbers of the group or are 0 modulo N', () => {
    const N = BigInt(`0x${SRP_N_HEX}`);
    for (const bad of ['', '0', '00', N.toString(16), (N * 2n).toString(16), 'xyz', 'a'.repeat(1025), ' 1f']) expect(parseClientPublic(bad), bad.slice(0, 20)).toBeUndefined();
    expect(parseClientPublic('1f')).toBe(31n);
  });

  it('refuses a claim whose A·v^u is degenerate, without throwing', async () => {
    const s = await signIn(PASSWORD);
    expect(verifyPasswordClaim({ poolName: POOL, userIdForSrp: USER, verifier: s.stored.verifier, A: 1n, ephemeral: s.ephemeral, secretBlock: s.secretBlock, timestamp: s.timestamp, signature: s.signature })).toBe(false);
  });

  it("pads hex as Java's toByteArray does, as the clients hash it", () => {
    expect(padHex(20n)).toBe('14');
    expect(padHex(236n)).toBe('00ec');
    expect(padHex(0xabcn)).toBe('0abc');
    expect(padHex(0x8abcn)).toBe('008abc');
  });

  it("reads Cognito's TIMESTAMP format and nothing else", () => {
    expect(parseTimestamp('Tue Feb 6 09:05:03 UTC 2024')).toBe(Date.UTC(2024, 1, 6, 9, 5, 3));
    for (const bad of ['Tue Feb 06 09:05:03 UTC 2024', 'Mon Feb 6 09:05:03 UTC 2024', 'Tue Feb 31 09:05:03 UTC 2024', 'Tue Feb 6 9:05:03 UTC 2024', '2024-02-06T09:05:03Z', '']) expect(parseTimestamp(bad), bad).toBeUndefined();
  });
});
