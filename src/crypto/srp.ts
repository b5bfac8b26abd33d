import { createDiffieHellman, createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Cognito's SRP-6a (`USER_SRP_AUTH`), server side. Written by hand: no library implements
 * Cognito's variant (its padding, the HKDF "Caldera Derived Key", the claim signature over pool
 * name, user id, secret block and timestamp). Modular exponentiation is done natively through
 * node:crypto's Diffie-Hellman on the same 3072-bit group, which computes `base^exponent mod N`.
 */

/** RFC 5054's 3072-bit group, which Cognito uses, with g = 2. */
export const SRP_N_HEX =
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
  'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
  '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
  '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
  'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
  'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF';
const N = BigInt(`0x${SRP_N_HEX}`);
const N_BYTES = Buffer.from(SRP_N_HEX, 'hex');
const G = 2n;
/** The longest `SRP_A` accepted: N is 768 hex digits; more is not a number in the group. */
export const MAX_SRP_A_HEX = 1024;

/** Java's `BigInteger.toByteArray` as hex, which Cognito hashes: even length, a leading 00 when the top bit is set. */
export function padHex(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return /^[89a-f]/i.test(hex) ? `00${hex}` : hex;
}

const sha256 = (...parts: Array<Buffer | string>) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const hexBytes = (n: bigint) => Buffer.from(padHex(n), 'hex');
const toBigInt = (b: Buffer) => (b.length === 0 ? 0n : BigInt(`0x${b.toString('hex')}`));

const K = toBigInt(sha256(hexBytes(N), hexBytes(G)));

/** `base^exponent mod N`, natively. Refuses bases OpenSSL would not take as a public value (0, 1, N−1 and beyond). */
function modPow(base: bigint, exponent: bigint): bigint {
  const dh = createDiffieHellman(N_BYTES, Buffer.from([2]));
  dh.setPrivateKey(Buffer.from(padHex(exponent), 'hex'));
  if (base === G) return toBigInt(dh.generateKeys());
  return toBigInt(dh.computeSecret(Buffer.from(padHex(base), 'hex')));
}

/** The salted password hash x = H(salt | H(poolName | userId | ":" | password)). */
function passwordExponent(poolName: string, userIdForSrp: string, password: string, saltHex: string): bigint {
  const inner = sha256(Buffer.from(`${poolName}${userIdForSrp}:${password}`, 'utf8'));
  return toBigInt(sha256(hexBytes(BigInt(`0x${saltHex}`)), inner));
}

export interface SrpVerifier {
  /** Hex, as `SALT` is sent. */
  salt: string;
  /** Hex of v = g^x mod N. */
  verifier: string;
}

/** What is stored for a password: a random salt and v = g^x. Like a password hash, it allows offline guessing if stolen. */
export function createVerifier(poolName: string, userIdForSrp: string, password: string, saltBytes: Buffer): SrpVerifier {
  const salt = saltBytes.toString('hex');
  return { salt, verifier: modPow(G, passwordExponent(poolName, userIdForSrp, password, salt)).toString(16) };
}

/** Parses the client's `SRP_A`; undefined when it is not hex, too long, or 0 modulo N (which would let anyone in). */
export function parseClientPublic(srpA: string): bigint | undefined {
  if (srpA.length === 0 || srpA.length > MAX_SRP_A_HEX || !/^[0-9a-fA-F]+$/.test(srpA)) return undefined;
  const a = BigInt(`0x${srpA}`);
  return a % N === 0n ? undefined : a;
}

export interface ServerEphemeral {
  /** Secret: kept server-side with the pending challenge. */
  b: bigint;
  /** Public: sent as `SRP_B`. */
  B: bigint;
}

/** B = k·v + g^b mod N, for a fresh random b (never 0 mod N). */
export function serverEphemeral(verifierHex: string, randomBytes: (n: number) => Buffer): ServerEphemeral {
  const v = BigInt(`0x${verifierHex}`);
  for (;;) {
    const b = toBigInt(randomBytes(32));
    if (b === 0n) continue;
    const B = (K * v + modPow(G, b)) % N;
    if (B !== 0n) return { b, B };
  }
}

/** `TIMESTAMP` as Cognito's clients write it: `Tue Feb 6 09:05:03 UTC 2024` (day without a leading zero). */
const TIMESTAMP = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]) UTC ([0-9]{4})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The instant a `TIMESTAMP` names, or undefined if it is not in Cognito's format (or not a real date). */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const at = Date.UTC(Number(m[7]), MONTHS.indexOf(m[2]!), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const d = new Date(at);
  // Date.UTC rolls Feb 31 over into March; a real timestamp names its own day of the week too.
  if (d.getUTCDate() !== Number(m[3]) || ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()] !== m[1]) return undefined;
  return at;
}

export interface PasswordClaim {
  poolName: string;
  userIdForSrp: string;
  verifier: string;
  A: bigint;
  ephemeral: ServerEphemeral;
  /** The `SECRET_BLOCK` bytes as sent. */
  secretBlock: Buffer;
  timestamp: string;
  /** Base64 `PASSWORD_CLAIM_SIGNATURE`. */
  signature: string;
}

/**
 * Whether the client proved knowledge of the password: S = (A·v^u)^b, K = HKDF(S, u), and the
 * signature HMAC(K, poolName | userId | secretBlock | timestamp), compared in constant time.
 */
export function verifyPasswordClaim(c: PasswordClaim): boolean {
  const u = toBigInt(sha256(hexBytes(c.A), hexBytes(c.ephemeral.B)));
  if (u === 0n) return false;
  const v = BigInt(`0x${c.verifier}`);
  let S: bigint;
  try {
    S = modPow((c.A * modPow(v, u)) % N, c.ephemeral.b);
  } catch {
    // A value the group refuses as a public key (A·v^u ≡ 0, 1 or −1): no honest client sends one.
    return false;
  }
  const prk = createHmac('sha256', hexBytes(u)).update(hexBytes(S)).digest();
  const key = createHmac('sha256', prk).update(Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])])).digest().subarray(0, 16);
  const expected = createHmac('sha256', key).update(Buffer.concat([Buffer.from(c.poolName, 'utf8'), Buffer.from(c.userIdForSrp, 'utf8'), c.secretBlock, Buffer.from(c.timestamp, 'utf8')])).digest();
  const given = Buffer.from(c.signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
