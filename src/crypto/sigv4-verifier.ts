import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { ALGORITHM_IDENTIFIER, getCanonicalHeaders, MAX_PRESIGNED_TTL, SignatureV4 } from '@smithy/signature-v4';
import { TesseraError } from '../errors.ts';
import { constantTimeEqual, sha256Hex } from './constant-time.ts';

// Cognito, DynamoDB and the other JSON-protocol services answer all four with HTTP 400. SDK v3 decides
// retries and clock-skew correction from the error name, the "Signature expired" message and the
// response's Date header, never from the status, so 400 is both faithful and what the SDK handles best.
/** No Authorization header and no presigned query parameters. */
export class MissingAuthenticationTokenException extends TesseraError {}
/** The Authorization header or presigned query is malformed or leaves out something required. */
export class IncompleteSignatureException extends TesseraError {}
/** Unknown access key, or a session token we never issued. */
export class UnrecognizedClientException extends TesseraError {}
/** Wrong signature, wrong credential scope, or a timestamp outside the allowed window. */
export class InvalidSignatureException extends TesseraError {}

export interface SigV4HttpRequest {
  method: string;
  /** Raw request path without the query, as sent on the wire (still percent-encoded), e.g. '/'. */
  path: string;
  /** Decoded query parameters, as node's querystring or URLSearchParams give them. */
  query: Record<string, string | string[] | undefined>;
  /** As node gives them (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** The raw body bytes: the payload hash is computed from these, never taken from a header. */
  body: Buffer;
}

export interface SigV4VerifyOptions {
  /** Expected signing name, e.g. 'cognito-idp'. */
  service: string;
  /** Expected region, e.g. 'us-east-1'. */
  region: string;
  /** The secret for an access key ID; undefined for an unknown key. */
  secretFor(accessKeyId: string): string | undefined;
  /** Epoch milliseconds (injected clock). */
  now: number;
  /** Allowed clock difference either way; default 5 minutes, as AWS. */
  maxSkewMs?: number;
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const LONG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'] as const;

interface SignatureParts {
  credential: string;
  signedHeaders: string[];
  signature: string;
  /** ISO 8601 basic timestamp that went into the string to sign, and the instant it names. */
  longDate: string;
  signedAt: number;
  /** The header that carried the timestamp; undefined when the query did (presigned). */
  dateHeader?: 'x-amz-date' | 'date';
  expiresSeconds?: number;
}

/** Verifies an AWS Signature Version 4 request (Authorization header or presigned query). */
export async function verifySigV4(req: SigV4HttpRequest, opts: SigV4VerifyOptions): Promise<{ accessKeyId: string }> {
  const headers = lowerCaseHeaders(req.headers);
  const authorization = headers.get('authorization')?.trim() || undefined;
  const presigned = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature'].some((p) => req.query[p] !== undefined);
  if (authorization && presigned) {
    throw new IncompleteSignatureException(
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    );
  }
  if (!authorization && !presigned) throw new MissingAuthenticationTokenException('Request is missing Authentication Token');
  // Admin keys are static: a session token can only be forged or meant for someone else.
  if (headers.has('x-amz-security-token') || req.query['X-Amz-Security-Token'] !== undefined) {
    throw new UnrecognizedClientException(INVALID_TOKEN);
  }

  const parts = authorization ? parseAuthorization(authorization, headers) : parsePresignedQuery(req.query);
  const { accessKeyId, scope } = checkCredential(parts, opts);
  requireSigned(parts, headers);
  checkClock(parts, opts);

  const secret = opts.secretFor(accessKeyId);
  if (!secret) throw new UnrecognizedClientException(INVALID_TOKEN);

  const payloadHash = sha256Hex(req.body);
  const declared = headers.get('x-amz-content-sha256');
  if (declared !== undefined && declared !== payloadHash) {
    if (declared === 'UNSIGNED-PAYLOAD' || declared.startsWith('STREAMING-')) {
      throw new InvalidSignatureException(`'${clip(declared)}' is not accepted by this service: sign the SHA-256 of the request body.`);
    }
    throw new InvalidSignatureException(SIGNATURE_MISMATCH);
  }

  const expected = await expectedSignature(req, headers, parts, { accessKeyId, secret, scope, payloadHash, opts });
  if (!constantTimeEqual(expected, parts.signature)) throw new InvalidSignatureException(SIGNATURE_MISMATCH);
  return { accessKeyId };
}

function parseAuthorization(value: string, headers: Map<string, string>): SignatureParts {
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  const params = new Map<string, string>();
  // AWS splits on whitespace as well as commas, so a stray space inside a value is reported, not glued.
  for (const pair of (space < 0 ? '' : value.slice(space + 1)).split(/[\s,]+/)) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    if (eq < 0) {
      throw new IncompleteSignatureException(
        `'${clip(pair)}' not a valid key=value pair (missing equal-sign) in Authorization header: '${clip(value)}'.`,
      );
    }
    params.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const dateHeader = headers.has('x-amz-date') ? 'x-amz-date' : headers.has('date') ? 'date' : undefined;
  const missing = ['Credential', 'Signature', 'SignedHeaders']
    .filter((name) => !params.has(name))
    .map((name) => `Authorization header requires '${name}' parameter.`);
  if (!dateHeader) missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (missing.length > 0) throw new IncompleteSignatureException(`${missing.join(' ')} Authorization=${clip(value)}`);
  if (algorithm !== ALGORITHM_IDENTIFIER) throw new IncompleteSignatureException(`Unsupported AWS 'algorithm': '${clip(algorithm)}'.`);

  const rawDate = headers.get(dateHeader!)!;
  // Only `date` may use the HTTP form (botocore sends it); the string to sign always has the ISO form.
  const signedAt = dateHeader === 'date' && HTTP_DATE.test(rawDate) ? Date.parse(rawDate) : parseLongDate(rawDate);
  if (signedAt === undefined || !Number.isFinite(signedAt)) throw badDate(rawDate);
  return {
    credential: params.get('Credential')!,
    signedHeaders: params.get('SignedHeaders')!.split(';'),
    signature: params.get('Signature')!,
    longDate: toLongDate(signedAt),
    signedAt,
    dateHeader,
  };
}

function parsePresignedQuery(query: SigV4HttpRequest['query']): SignatureParts {
  const param = (name: string): string | undefined => {
    const value = query[name];
    if (Array.isArray(value)) throw new IncompleteSignatureException(`Only one '${name}' query parameter is allowed.`);
    return value;
  };
  const missing = PRESIGN_PARAMS.filter((name) => param(name) === undefined);
  if (missing.length > 0) {
    const list = missing.map((name) => `AWS query-string parameters must include '${name}'.`).join(' ');
    throw new IncompleteSignatureException(`${list} Re-examine the query-string parameters.`);
  }
  if (param('X-Amz-Algorithm') !== ALGORITHM_IDENTIFIER) {
    throw new IncompleteSignatureException(`X-Amz-Algorithm only supports "${ALGORITHM_IDENTIFIER}"`);
  }
  const longDate = param('X-Amz-Date')!;
  const signedAt = parseLongDate(longDate);
  if (signedAt === undefined) throw badDate(longDate);
  const expires = param('X-Amz-Expires');
  if (expires !== undefined && !/^\d{1,7}$/.test(expires)) throw new IncompleteSignatureException('X-Amz-Expires should be a number');
  if (expires !== undefined && Number(expires) > MAX_PRESIGNED_TTL) {
    throw new IncompleteSignatureException(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_TTL}`);
  }
  return {
    credential: param('X-Amz-Credential')!,
    signedHeaders: param('X-Amz-SignedHeaders')!.split(';'),
    signature: param('X-Amz-Signature')!,
    longDate,
    signedAt,
    ...(expires !== undefined && { expiresSeconds: Number(expires) }),
  };
}

function checkCredential(parts: SignatureParts, opts: SigV4VerifyOptions): { accessKeyId: string; scope: string } {
  const elements = parts.credential.split('/');
  if (elements.length !== 5) {
    throw new IncompleteSignatureException(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${clip(parts.credential)}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = elements as [string, string, string, string, string];
  if (terminator !== 'aws4_request') {
    throw new InvalidSignatureException(`Credential should be scoped with a valid terminator: 'aws4_request', not '${clip(terminator)}'. `);
  }
  const shortDate = parts.longDate.slice(0, 8);
  if (date !== shortDate) {
    throw new InvalidSignatureException(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${clip(date)}' != '${shortDate}', from '${parts.longDate}'.`,
    );
  }
  if (region !== opts.region) throw new InvalidSignatureException(`Credential should be scoped to a valid region, not '${clip(region)}'. `);
  if (service !== opts.service) throw new InvalidSignatureException(`Credential should be scoped to correct service: '${opts.service}'. `);
  return { accessKeyId, scope: [date, region, service, terminator].join('/') };
}

function requireSigned(parts: SignatureParts, headers: Map<string, string>): void {
  // Without these a captured signature could be replayed to another host, at another time, or (for
  // x-amz-target) against another operation with the same body.
  const required: Array<[string, string]> = [['host', 'Host']];
  if (parts.dateHeader === 'x-amz-date') required.push(['x-amz-date', 'X-Amz-Date']);
  if (parts.dateHeader === 'date') required.push(['date', 'Date']);
  if (headers.has('x-amz-target')) required.push(['x-amz-target', 'X-Amz-Target']);
  for (const [name, display] of required) {
    if (!parts.signedHeaders.includes(name)) {
      throw new IncompleteSignatureException(`'${display}' must be a 'SignedHeader' in the AWS Authorization.`);
    }
  }
}

function checkClock(parts: SignatureParts, opts: SigV4VerifyOptions): void {
  const { signedAt } = parts;
  const skew = opts.maxSkewMs ?? 5 * 60_000;
  const now = toLongDate(opts.now);
  if (parts.expiresSeconds !== undefined && opts.now > signedAt + parts.expiresSeconds * 1000) {
    const limit = toLongDate(opts.now - parts.expiresSeconds * 1000);
    throw new InvalidSignatureException(
      `Signature expired: ${parts.longDate} is now earlier than ${limit} (${now} - ${parts.expiresSeconds} sec.)`,
    );
  }
  if (parts.expiresSeconds === undefined && signedAt < opts.now - skew) {
    throw new InvalidSignatureException(
      `Signature expired: ${parts.longDate} is now earlier than ${toLongDate(opts.now - skew)} (${now} - ${skew / 60_000} min.)`,
    );
  }
  if (signedAt > opts.now + skew) {
    throw new InvalidSignatureException(
      `Signature not yet current: ${parts.longDate} is still later than ${toLongDate(opts.now + skew)} (${now} + ${skew / 60_000} min.)`,
    );
  }
}

/**
 * Runs `SignatureV4`'s own canonicalisation and signing-key steps on the request as received.
 * `sign()` itself would not do: it re-stamps `x-amz-date`, drops a signed `date` header and takes
 * the payload hash from `x-amz-content-sha256`.
 */
class ReceivedRequestSigner extends SignatureV4 {
  async signatureOf(request: HttpRequest, payloadHash: string, parts: SignatureParts, scope: string): Promise<string> {
    const canonicalHeaders = getCanonicalHeaders(request, undefined, new Set(Object.keys(request.headers)));
    const canonicalRequest = this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
    const stringToSign = await this.createStringToSign(parts.longDate, scope, canonicalRequest, ALGORITHM_IDENTIFIER);
    return this.sign(stringToSign, { signingDate: new Date(parts.signedAt) });
  }
}

async function expectedSignature(
  req: SigV4HttpRequest,
  headers: Map<string, string>,
  parts: SignatureParts,
  ctx: { accessKeyId: string; secret: string; scope: string; payloadHash: string; opts: SigV4VerifyOptions },
): Promise<string> {
  // Null prototypes so a header or parameter named `__proto__` stays an ordinary key.
  const signed: Record<string, string> = Object.create(null);
  for (const name of parts.signedHeaders) {
    const value = headers.get(name);
    if (value !== undefined) signed[name] = value;
  }
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of Object.entries(req.query)) if (value !== undefined) query[name] = value;

  const signer = signerFor(ctx.opts.service, ctx.opts.region, ctx.accessKeyId, ctx.secret);
  const request = new HttpRequest({ method: req.method, path: req.path, query, headers: signed });
  try {
    return await signer.signatureOf(request, ctx.payloadHash, parts, ctx.scope);
  } catch {
    // Only unencodable input (a lone surrogate in the path or query) gets here, and no client can have signed that.
    throw new InvalidSignatureException(SIGNATURE_MISMATCH);
  }
}

/**
 * One signer per key, service and region: a signer keeps the day's derived signing key, so reusing
 * it saves the four HMACs of key derivation on every request. Keys are few (configured admin keys).
 */
const signers = new Map<string, ReceivedRequestSigner>();

function signerFor(service: string, region: string, accessKeyId: string, secretAccessKey: string): ReceivedRequestSigner {
  const key = JSON.stringify([service, region, accessKeyId, secretAccessKey]);
  let signer = signers.get(key);
  if (!signer) {
    if (signers.size >= 256) signers.clear();
    signer = new ReceivedRequestSigner({ service, region, credentials: { accessKeyId, secretAccessKey }, sha256: Hash.bind(null, 'sha256'), applyChecksum: false, uriEscapePath: true });
    signers.set(key, signer);
  }
  return signer;
}

function lowerCaseHeaders(raw: SigV4HttpRequest['headers']): Map<string, string> {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string') headers.set(name.toLowerCase(), value);
    else if (Array.isArray(value)) headers.set(name.toLowerCase(), value.join(','));
  }
  return headers;
}

/** Epoch ms of an ISO 8601 basic timestamp, or undefined unless it is a real instant in that exact form. */
function parseLongDate(value: string): number | undefined {
  const m = LONG_DATE.exec(value);
  const ms = m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : NaN;
  // The round trip refuses what Date.parse would roll over, such as 20240230T000000Z.
  return Number.isFinite(ms) && toLongDate(ms) === value ? ms : undefined;
}

function toLongDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

function badDate(value: string): IncompleteSignatureException {
  return new IncompleteSignatureException(
    `Date must be in ISO-8601 'basic format'. Got '${clip(value)}'. See http://en.wikipedia.org/wiki/ISO_8601`,
  );
}

/** AWS echoes the offending input; a cap keeps a hostile header from being reflected in full. */
function clip(value: string): string {
  return value.length > 256 ? `${value.slice(0, 256)}...` : value;
}
