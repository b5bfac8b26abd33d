import { createHmac, randomBytes } from 'node:crypto';
// The client half comes from amazon-cognito-identity-js itself, so the server is checked against the real thing.
import AuthenticationHelper from 'amazon-cognito-identity-js/lib/AuthenticationHelper.js';
import BigInteger from 'amazon-cognito-identity-js/lib/BigInteger.js';
import { describe, expect, it } from 'vitest';
import { createVerifier, padHex, parseClientPublic, parseTimestamp, serverEphemeral, verifyPasswordClaim } from '../../src/crypto/srp.ts';

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
    const N = BigInt(`0x${'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF'}`);
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
