import { CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
  verifySigV4,
  type SigV4HttpRequest,
  type SigV4VerifyOptions,
} from '../../src/crypto/sigv4-verifier.ts';
import { TesseraError } from '../../src/errors.ts';

// The access key pair AWS publishes for its SigV4 test suite.
const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const HOST = 'cognito-idp.us-east-1.amazonaws.com';
const SIGNED_AT = Date.UTC(2024, 0, 1, 0, 0, 0);
const MINUTE = 60_000;
const BODY = JSON.stringify({ UserPoolId: 'us-east-1_example', Limit: 10 });
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function options(overrides: Partial<SigV4VerifyOptions> = {}): SigV4VerifyOptions {
  return {
    service: 'cognito-idp',
    region: 'us-east-1',
    secretFor: (id) => (id === AKID ? SECRET : undefined),
    now: SIGNED_AT,
    ...overrides,
  };
}

interface SignSpec {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  at?: number;
  secret?: string;
  sessionToken?: string;
  region?: string;
  service?: string;
  applyChecksum?: boolean;
  unsignable?: string[];
}

function signer(spec: SignSpec): SignatureV4 {
  return new SignatureV4({
    service: spec.service ?? 'cognito-idp',
    region: spec.region ?? 'us-east-1',
    credentials: { accessKeyId: AKID, secretAccessKey: spec.secret ?? SECRET, ...(spec.sessionToken && { sessionToken: spec.sessionToken }) },
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: spec.applyChecksum ?? false,
    uriEscapePath: true,
  });
}

function cognitoRequest(spec: SignSpec): HttpRequest {
  return new HttpRequest({
    method: spec.method ?? 'POST',
    protocol: 'https:',
    hostname: HOST,
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.ListUsers',
      host: HOST,
      ...spec.headers,
    },
    body: spec.body ?? BODY,
  });
}

/** Signs a Cognito call the way the SDK's signer does, and returns it as node would hand it to us. */
async function signedRequest(spec: SignSpec = {}): Promise<SigV4HttpRequest> {
  const signed = await signer(spec).sign(cognitoRequest(spec), {
    signingDate: new Date(spec.at ?? SIGNED_AT),
    ...(spec.unsignable && { unsignableHeaders: new Set(spec.unsignable) }),
  });
  return received(signed);
}

function received(request: { method: string; path: string; query?: Record<string, unknown>; headers: Record<string, string>; body?: unknown }): SigV4HttpRequest {
  const body = request.body;
  return {
    method: request.method,
    path: request.path,
    query: { ...(request.query as SigV4HttpRequest['query']) },
    headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])),
    // Copy the bytes themselves: the SDK's body is a Uint8Array subclass whose valueOf() Buffer.from would call.
    body: body instanceof Uint8Array ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : Buffer.from((body ?? '') as string),
  };
}

function withAuthorization(req: SigV4HttpRequest, edit: (value: string) => string): SigV4HttpRequest {
  return { ...req, headers: { ...req.headers, authorization: edit(String(req.headers.authorization)) } };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the verification to fail');
  return outcome;
}

async function expectFailure(promise: Promise<unknown>, type: new (message: string) => TesseraError, message?: string): Promise<void> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(type);
  expect(error.name).toBe(type.name);
  expect((error as TesseraError).status).toBe(400);
  if (message !== undefined) expect(error.message).toBe(message);
}

describe('verifySigV4 on requests a real signer produced', () => {
  it('accepts a Cognito call signed as the AWS SDK signs it', async () => {
    const req = await signedRequest();
    expect(req.headers.authorization).toMatch(/SignedHeaders=content-type;host;x-amz-date;x-amz-target,/);
    await expect(verifySigV4(req, options())).resolves.toEqual({ accessKeyId: AKID });
  });

  it('accepts a call signed with applyChecksum, which adds and signs x-amz-content-sha256', async () => {
    const req = await signedRequest({ applyChecksum: true });
    expect(req.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    await expect(verifySigV4(req, options())).resolves.toEqual({ accessKeyId: AKID });
  });

  it('accepts a call the real Cognito client signed, captured by a custom request handler', async () => {
    let captured: HttpRequest | undefined;
    const client = new CognitoIdentityProviderClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9229',
      credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
      maxAttempts: 1,
      requestHandler: {
        handle: async (request: HttpRequest) => {
          captured = request;
          throw new Error('captured by the test handler');
        },
      },
    });
    await expect(client.send(new ListUsersCommand({ UserPoolId: 'us-east-1_example' }))).rejects.toThrow('captured by the test handler');
    if (!captured) throw new Error('the client never reached the request handler');

    const req = received(captured);
    expect(req.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.ListUsers');
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/cognito-idp\/aws4_request, /);
    await expect(verifySigV4(req, options({ now: Date.now() }))).resolves.toEqual({ accessKeyId: AKID });
    await expectFailure(verifySigV4({ ...req, body: Buffer.from('{"UserPoolId":"us-east-1_other"}') }, options({ now: Date.now() })), InvalidSignatureException);
  });

  it('accepts a signature made exactly five minutes before or after the server clock', async () => {
    const req = await signedRequest();
    await expect(verifySigV4(req, options({ now: SIGNED_AT + 5 * MINUTE }))).resolves.toEqual({ accessKeyId: AKID });
    await expect(verifySigV4(req, options({ now: SIGNED_AT - 5 * MINUTE }))).resolves.toEqual({ accessKeyId: AKID });
  });

  it('ignores headers that were not signed, such as a user-agent a proxy rewrote', async () => {
    const req = await signedRequest();
    const rewritten = { ...req, headers: { ...req.headers, 'user-agent': 'proxy/1.0', 'x-forwarded-for': '10.0.0.1' } };
    await expect(verifySigV4(rewritten, options())).resolves.toEqual({ accessKeyId: AKID });
  });

  it('honours a narrower maxSkewMs', async () => {
    const req = await signedRequest();
    await expectFailure(
      verifySigV4(req, options({ now: SIGNED_AT + 2 * MINUTE, maxSkewMs: MINUTE })),
      InvalidSignatureException,
      'Signature expired: 20240101T000000Z is now earlier than 20240101T000100Z (20240101T000200Z - 1 min.)',
    );
  });
});

describe('verifySigV4 against the published AWS SigV4 test suite', () => {
  const suiteOptions = (service: string, now: number): SigV4VerifyOptions => options({ service, now });

  it('matches the get-vanilla vector', async () => {
    const req: SigV4HttpRequest = {
      method: 'GET',
      path: '/',
      query: {},
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      },
      body: Buffer.alloc(0),
    };
    await expect(verifySigV4(req, suiteOptions('service', Date.UTC(2015, 7, 30, 12, 36)))).resolves.toEqual({ accessKeyId: AKID });
  });

  it('matches the get-vanilla-query-order-key-case vector, whose query arrives unsorted', async () => {
    const req: SigV4HttpRequest = {
      method: 'GET',
      path: '/',
      query: { Param2: 'value2', Param1: 'value1' },
      headers: {
        host: 'example.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
      },
      body: Buffer.alloc(0),
    };
    await expect(verifySigV4(req, suiteOptions('service', Date.UTC(2015, 7, 30, 12, 36)))).resolves.toEqual({ accessKeyId: AKID });
  });

  it('matches the 2011 get-vanilla vector, which signs an HTTP Date header instead of X-Amz-Date', async () => {
    const req: SigV4HttpRequest = {
      method: 'GET',
      path: '/',
      query: {},
      headers: {
        host: 'host.foo.com',
        date: 'Mon, 09 Sep 2011 23:36:00 GMT',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/host/aws4_request, SignedHeaders=date;host, Signature=b27ccfbfa7df52a200ff74193ca6e32d4b48b8856fab7ebf1c595d0670a7e470',
      },
      body: Buffer.alloc(0),
    };
    await expect(verifySigV4(req, suiteOptions('host', Date.UTC(2011, 8, 9, 23, 36)))).resolves.toEqual({ accessKeyId: AKID });
    const relative = { ...req, path: '/foo/bar/../..' };
    await expect(verifySigV4(relative, suiteOptions('host', Date.UTC(2011, 8, 9, 23, 36)))).resolves.toEqual({ accessKeyId: AKID });
  });
});

describe('verifySigV4 on presigned URLs', () => {
  async function presigned(expiresIn: number): Promise<SigV4HttpRequest> {
    const request = new HttpRequest({ method: 'GET', protocol: 'https:', hostname: HOST, path: '/', query: { Action: 'Ping' }, headers: { host: HOST } });
    return received(await signer({}).presign(request, { signingDate: new Date(SIGNED_AT), expiresIn }));
  }

  it('accepts a presigned URL until X-Amz-Expires runs out', async () => {
    const req = await presigned(900);
    expect(req.query['X-Amz-Expires']).toBe('900');
    await expect(verifySigV4(req, options({ now: SIGNED_AT + 15 * MINUTE }))).resolves.toEqual({ accessKeyId: AKID });
  });

  it('rejects a presigned URL after X-Amz-Expires', async () => {
    const req = await presigned(900);
    await expectFailure(
      verifySigV4(req, options({ now: SIGNED_AT + 16 * MINUTE })),
      InvalidSignatureException,
      'Signature expired: 20240101T000000Z is now earlier than 20240101T000100Z (20240101T001600Z - 900 sec.)',
    );
  });

  it('rejects a presigned URL whose query was changed after signing', async () => {
    const req = await presigned(900);
    await expectFailure(verifySigV4({ ...req, query: { ...req.query, Action: 'DeleteEverything' } }, options()), InvalidSignatureException, MISMATCH);
  });

  it('rejects X-Amz-Expires longer than a week', async () => {
    const req = await presigned(900);
    await expectFailure(
      verifySigV4({ ...req, query: { ...req.query, 'X-Amz-Expires': '604801' } }, options()),
      IncompleteSignatureException,
      'X-Amz-Expires must be less than a week (in seconds) that is 604800',
    );
  });

  it('rejects a presigned URL that lacks a required parameter', async () => {
    const req = await presigned(900);
    const { 'X-Amz-Date': _date, ...query } = req.query;
    await expectFailure(
      verifySigV4({ ...req, query }, options()),
      IncompleteSignatureException,
      "AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
    );
  });

  it('rejects a request carrying both an Authorization header and a presigned query', async () => {
    const req = await presigned(900);
    const both = { ...req, headers: { ...req.headers, authorization: (await signedRequest()).headers.authorization } };
    await expectFailure(verifySigV4(both, options()), IncompleteSignatureException);
  });
});

describe('verifySigV4 rejects', () => {
  it('a request with no Authorization header', async () => {
    const req = await signedRequest();
    const { authorization: _auth, ...headers } = req.headers;
    await expectFailure(verifySigV4({ ...req, headers }, options()), MissingAuthenticationTokenException, 'Request is missing Authentication Token');
  });

  it('a request signed with the wrong secret', async () => {
    const req = await signedRequest({ secret: 'not-the-secret' });
    await expectFailure(verifySigV4(req, options()), InvalidSignatureException, MISMATCH);
  });

  it('a request signed with an unknown access key', async () => {
    const req = await signedRequest();
    await expectFailure(
      verifySigV4(req, options({ secretFor: () => undefined })),
      UnrecognizedClientException,
      'The security token included in the request is invalid.',
    );
  });

  it('a request whose body was swapped after signing', async () => {
    const req = await signedRequest();
    await expectFailure(verifySigV4({ ...req, body: Buffer.from('{"UserPoolId":"us-east-1_other"}') }, options()), InvalidSignatureException, MISMATCH);
  });

  it('a request whose body was swapped after signing even when x-amz-content-sha256 still vouches for the old one', async () => {
    const req = await signedRequest({ applyChecksum: true });
    await expectFailure(verifySigV4({ ...req, body: Buffer.from('{}') }, options()), InvalidSignatureException, MISMATCH);
  });

  it('a request whose signed x-amz-target was changed to another operation', async () => {
    const req = await signedRequest();
    const tampered = { ...req, headers: { ...req.headers, 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminDeleteUser' } };
    await expectFailure(verifySigV4(tampered, options()), InvalidSignatureException, MISMATCH);
  });

  it('a request whose signed headers list was edited to drop a header', async () => {
    const req = await signedRequest();
    const edited = withAuthorization(req, (v) => v.replace('content-type;', ''));
    await expectFailure(verifySigV4(edited, options()), InvalidSignatureException, MISMATCH);
  });

  it('a request that did not sign host', async () => {
    const req = await signedRequest({ unsignable: ['host'] });
    await expectFailure(verifySigV4(req, options()), IncompleteSignatureException, "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  });

  it('a request that did not sign x-amz-date', async () => {
    const req = await signedRequest({ unsignable: ['x-amz-date'] });
    await expectFailure(verifySigV4(req, options()), IncompleteSignatureException, "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
  });

  it('a request that did not sign x-amz-target, so its operation could be swapped', async () => {
    const req = await signedRequest({ unsignable: ['x-amz-target'] });
    await expectFailure(verifySigV4(req, options()), IncompleteSignatureException, "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.");
  });

  it('a signature older than five minutes, with the message AWS uses', async () => {
    const req = await signedRequest();
    await expectFailure(
      verifySigV4(req, options({ now: SIGNED_AT + 11 * MINUTE })),
      InvalidSignatureException,
      'Signature expired: 20240101T000000Z is now earlier than 20240101T000600Z (20240101T001100Z - 5 min.)',
    );
    await expectFailure(verifySigV4(req, options({ now: SIGNED_AT + 5 * MINUTE + 1000 })), InvalidSignatureException);
  });

  it('a signature from more than five minutes in the future, with the message AWS uses', async () => {
    const req = await signedRequest({ at: SIGNED_AT + 11 * MINUTE });
    await expectFailure(
      verifySigV4(req, options()),
      InvalidSignatureException,
      'Signature not yet current: 20240101T001100Z is still later than 20240101T000500Z (20240101T000000Z + 5 min.)',
    );
  });

  it('a credential scoped to another region', async () => {
    const req = await signedRequest({ region: 'us-west-2' });
    await expectFailure(verifySigV4(req, options()), InvalidSignatureException, "Credential should be scoped to a valid region, not 'us-west-2'. ");
  });

  it('a credential scoped to another service', async () => {
    const req = await signedRequest({ service: 'cognito-identity' });
    await expectFailure(verifySigV4(req, options()), InvalidSignatureException, "Credential should be scoped to correct service: 'cognito-idp'. ");
  });

  it('a credential whose scope date differs from X-Amz-Date', async () => {
    const req = withAuthorization(await signedRequest(), (v) => v.replace('/20240101/', '/20231231/'));
    await expectFailure(
      verifySigV4(req, options()),
      InvalidSignatureException,
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20231231' != '20240101', from '20240101T000000Z'.",
    );
  });

  it('a credential with the wrong terminator', async () => {
    const req = withAuthorization(await signedRequest(), (v) => v.replace('/aws4_request', '/aws5_request'));
    await expectFailure(
      verifySigV4(req, options()),
      InvalidSignatureException,
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
    );
  });

  it('a body declared as UNSIGNED-PAYLOAD', async () => {
    const req = await signedRequest({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    await expectFailure(verifySigV4(req, options()), InvalidSignatureException, "'UNSIGNED-PAYLOAD' is not accepted by this service: sign the SHA-256 of the request body.");
  });

  it('a request carrying x-amz-security-token, since admin keys have no session token', async () => {
    const req = await signedRequest({ sessionToken: 'FwoGZXIvYXdzEXAMPLE' });
    expect(req.headers.authorization).toContain('x-amz-security-token');
    await expectFailure(verifySigV4(req, options()), UnrecognizedClientException, 'The security token included in the request is invalid.');
  });

  it('an X-Amz-Date that is not an ISO 8601 basic timestamp', async () => {
    const req = await signedRequest();
    for (const date of ['2024-01-01T00:00:00Z', '20241301T000000Z', '20240230T000000Z', '20240101T246000Z', '']) {
      await expectFailure(verifySigV4({ ...req, headers: { ...req.headers, 'x-amz-date': date } }, options()), IncompleteSignatureException);
    }
  });

  it('a signature that is not hex or has the wrong length', async () => {
    const req = await signedRequest();
    for (const signature of ['zz', '', 'A'.repeat(64), '0'.repeat(65)]) {
      const edited = withAuthorization(req, (v) => v.replace(/Signature=[0-9a-f]+/, `Signature=${signature}`));
      await expectFailure(verifySigV4(edited, options()), InvalidSignatureException, MISMATCH);
    }
  });
});

describe('verifySigV4 on malformed Authorization headers', () => {
  it('lists every missing part the way AWS does', async () => {
    const req = withAuthorization(await signedRequest(), () => 'eyJhbGciOiJSUzI1NiJ9.e30.sig');
    const { 'x-amz-date': _date, ...headers } = req.headers;
    await expectFailure(
      verifySigV4({ ...req, headers }, options()),
      IncompleteSignatureException,
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        'Authorization=eyJhbGciOiJSUzI1NiJ9.e30.sig',
    );
  });

  it('reports a pair without an equals sign, such as a space pasted into the access key', async () => {
    const req = withAuthorization(await signedRequest(), (v) => v.replace('AKIDEXAMPLE/', 'AKIDEXAMPLE /'));
    const error = await failure(verifySigV4(req, options()));
    expect(error).toBeInstanceOf(IncompleteSignatureException);
    expect(error.message).toMatch(/^'\/20240101\/us-east-1\/cognito-idp\/aws4_request' not a valid key=value pair \(missing equal-sign\) in Authorization header: 'AWS4-HMAC-SHA256 /);
  });

  it('refuses an algorithm other than AWS4-HMAC-SHA256', async () => {
    const req = withAuthorization(await signedRequest(), (v) => v.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256'));
    await expectFailure(verifySigV4(req, options()), IncompleteSignatureException, "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256'.");
  });

  it('refuses a credential without five slash-separated parts', async () => {
    const req = withAuthorization(await signedRequest(), (v) => v.replace('/aws4_request', ''));
    await expectFailure(
      verifySigV4(req, options()),
      IncompleteSignatureException,
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20240101/us-east-1/cognito-idp'",
    );
  });

  it('keeps error messages short when the header is huge', async () => {
    const req = withAuthorization(await signedRequest(), () => `AWS4-HMAC-SHA256 Credential=${'A'.repeat(1_000_000)}`);
    const error = await failure(verifySigV4(req, options()));
    expect(error).toBeInstanceOf(IncompleteSignatureException);
    expect(error.message.length).toBeLessThan(1_000);
  });

  it('throws only its own errors for garbage and mutated input', async () => {
    const valid = await signedRequest({ applyChecksum: true });
    const authorization = String(valid.headers.authorization);
    const alphabet = ['A', 'z', '0', '9', ' ', ',', '=', '/', ';', '\t', '\n', 'é', '\uD800', '\u0000', '%', 'Credential=', 'Signature=', 'SignedHeaders='];
    // mulberry32: deterministic, so a failure reproduces.
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const garbage = (length: number): string => Array.from({ length }, () => alphabet[random(alphabet.length)]).join('');
    const mutate = (value: string): string => {
      const at = random(value.length + 1);
      return value.slice(0, at) + garbage(random(4)) + value.slice(at + random(8));
    };

    const cases: SigV4HttpRequest[] = [];
    for (let i = 0; i < 300; i++) {
      cases.push(withAuthorization(valid, () => garbage(random(120))));
      cases.push(withAuthorization(valid, () => mutate(authorization)));
      cases.push({ ...valid, headers: { ...valid.headers, 'x-amz-date': mutate(String(valid.headers['x-amz-date'])) } });
      cases.push({ ...valid, path: mutate(valid.path), query: { [garbage(3)]: [garbage(5), garbage(2)] } });
    }
    cases.push({ ...valid, headers: { ...valid.headers, authorization: [authorization, authorization] } });
    cases.push({ ...valid, headers: { ...valid.headers, authorization: undefined } });
    cases.push({ ...valid, query: { 'X-Amz-Algorithm': ['a', 'b'] }, headers: { host: HOST } });
    cases.push({ ...valid, query: { 'X-Amz-Signature': 'x' }, headers: { host: HOST } });
    cases.push({ ...valid, headers: { ...valid.headers, 'x-amz-date': undefined, date: 'Mon, 99 Foo 2011 99:99:99 GMT' } });

    for (const req of cases) {
      const outcome = await verifySigV4(req, options()).then(
        () => 'accepted',
        (error: unknown) => error,
      );
      // A mutation can be a no-op (insert nothing, delete nothing): only those may pass.
      if (outcome === 'accepted') {
        expect(req.headers.authorization).toBe(authorization);
        expect(req.headers['x-amz-date']).toBe(valid.headers['x-amz-date']);
        continue;
      }
      expect(outcome).toBeInstanceOf(TesseraError);
      expect([MissingAuthenticationTokenException, IncompleteSignatureException, UnrecognizedClientException, InvalidSignatureException].some((type) => outcome instanceof type)).toBe(true);
    }
  });
});
