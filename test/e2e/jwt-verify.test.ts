import { generateKeyPairSync } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  type ExplicitAuthFlowsType,
  GetUserCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CognitoJwtVerifier, JwtRsaVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidGroupError,
  CognitoJwtInvalidTokenUseError,
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureError,
  KidNotFoundInJwksError,
} from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache, type Jwks } from 'aws-jwt-verify/jwk';
import type { FastifyInstance } from 'fastify';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTessera, type Tessera } from '../../src/app.ts';
import { buildServer } from '../../src/server.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { freshDatabase } from '../support/databases.ts';
import { ADMIN_CREDENTIALS, REGION, startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'Passw0rd!';

/**
 * aws-jwt-verify fetches JWKS only over https in Node. This fetcher goes through global fetch
 * instead, optionally mapping URIs (Cognito's JWKS address → Tessera's), and counts its calls.
 */
class HttpFetcher implements Fetcher {
  readonly fetched: string[] = [];
  constructor(private readonly map: (uri: string) => string = (uri) => uri) {}
  async fetch(uri: string): Promise<ArrayBuffer> {
    const target = this.map(uri);
    this.fetched.push(target);
    const res = await fetch(target);
    if (!res.ok) throw new Error(`GET ${target}: ${res.status}`);
    return res.arrayBuffer();
  }
}

/** A pool with one client, the groups admin and user, and a user `alice` in `admin` and `bob` in none. */
async function seedPool(admin: CognitoIdentityProviderClient): Promise<{ poolId: string; clientId: string; otherClientId: string }> {
  const pool = await admin.send(new CreateUserPoolCommand({ PoolName: 'verify' }));
  const poolId = pool.UserPool!.Id!;
  const flows: ExplicitAuthFlowsType[] = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];
  const client = await admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: flows }));
  const other = await admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'other-app', ExplicitAuthFlows: flows }));
  for (const group of ['admin', 'user']) await admin.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: group }));
  for (const name of ['alice', 'bob']) {
    await admin.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: name,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: `${name}@example.com` },
          { Name: 'email_verified', Value: 'true' },
        ],
      }),
    );
    await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: name, Password: PASSWORD, Permanent: true }));
  }
  await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'alice', GroupName: 'admin' }));
  return { poolId, clientId: client.UserPoolClient!.ClientId!, otherClientId: other.UserPoolClient!.ClientId! };
}

async function signIn(anonymous: CognitoIdentityProviderClient, clientId: string, username: string) {
  const r = await anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD } }));
  const result = r.AuthenticationResult!;
  return { idToken: result.IdToken!, accessToken: result.AccessToken!, refreshToken: result.RefreshToken! };
}

/** Changes one character in the middle of a JWT segment (0 header, 1 payload, 2 signature). */
function tamper(token: string, segment: 0 | 1 | 2): string {
  const parts = token.split('.');
  const s = parts[segment]!;
  const i = Math.floor(s.length / 2);
  parts[segment] = s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  return parts.join('.');
}

describe('aws-jwt-verify against Tessera tokens (tessera issuer style)', () => {
  let s: TestServer;
  let clock: ManualClock;
  let poolId: string;
  let clientId: string;
  let otherClientId: string;
  let issuer: string;
  let jwksUri: string;
  let alice: Awaited<ReturnType<typeof signIn>>;
  let bob: Awaited<ReturnType<typeof signIn>>;

  /** The generic verifier configured as the architecture tells apps to, with a fresh JWKS cache. */
  function verifier(checks: { tokenUse: 'id' | 'access'; clientId?: string | string[] | null; groups?: string | string[] | null }, fetcher = new HttpFetcher()) {
    return JwtRsaVerifier.create(
      {
        issuer,
        audience: null,
        jwksUri,
        customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: checks.tokenUse, clientId: checks.clientId === undefined ? clientId : checks.clientId, groups: checks.groups }),
      },
      { jwksCache: new SimpleJwksCache({ fetcher }) },
    );
  }

  beforeAll(async () => {
    // aws-jwt-verify checks expiry against the real time, so the server's clock starts at it.
    clock = new ManualClock(Date.now());
    s = await startTestServer({ clock });
    ({ poolId, clientId, otherClientId } = await seedPool(s.admin));
    issuer = s.tessera.tokens.issuer(poolId);
    jwksUri = `${s.url}/${poolId}/.well-known/jwks.json`;
    alice = await signIn(s.anonymous, clientId, 'alice');
    bob = await signIn(s.anonymous, clientId, 'bob');
  });
  afterAll(async () => s?.close());

  it('verifies an ID token and an access token, fetching the JWKS from the pool issuer', async () => {
    const fetcher = new HttpFetcher();
    const id = await verifier({ tokenUse: 'id' }, fetcher).verify(alice.idToken);
    expect(id.sub).toBe(decodeJwt(alice.accessToken).sub);
    expect(id.iss).toBe(issuer);
    expect(fetcher.fetched).toEqual([jwksUri]);
    const access = await verifier({ tokenUse: 'access' }).verify(alice.accessToken);
    expect(access.client_id).toBe(clientId);
    expect(jwksUri).toBe(`${issuer.replace('http://127.0.0.1', s.url)}/.well-known/jwks.json`);
  });

  it('serves a JWKS of RS256 signing keys that holds the different kids of the ID and access tokens', async () => {
    const res = await fetch(jwksUri);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const jwks = (await res.json()) as { keys: Array<Record<string, string>> };
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
      expect(typeof key.n).toBe('string');
      expect(key).not.toHaveProperty('d');
      expect(key).not.toHaveProperty('p');
    }
    const idHeader = decodeProtectedHeader(alice.idToken);
    const accessHeader = decodeProtectedHeader(alice.accessToken);
    expect(idHeader.alg).toBe('RS256');
    expect(accessHeader.alg).toBe('RS256');
    expect(idHeader.kid).toBeTruthy();
    expect(accessHeader.kid).toBeTruthy();
    expect(idHeader.kid).not.toBe(accessHeader.kid);
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([idHeader.kid, accessHeader.kid]));
  });

  it('puts every Cognito claim in the ID token', () => {
    const id = decodeJwt(alice.idToken);
    const access = decodeJwt(alice.accessToken);
    expect(id).toMatchObject({
      sub: expect.stringMatching(/^[0-9a-f-]{36}$/),
      aud: clientId,
      token_use: 'id',
      auth_time: expect.any(Number),
      iss: issuer,
      'cognito:username': 'alice',
      exp: expect.any(Number),
      iat: expect.any(Number),
      jti: expect.any(String),
      origin_jti: expect.any(String),
      event_id: expect.any(String),
      email: 'alice@example.com',
      email_verified: true,
      'cognito:groups': ['admin'],
    });
    expect(id.exp! - id.iat!).toBe(3600);
    expect(id.iat).toBe(Math.floor(clock.now() / 1000));
    expect(id.auth_time).toBeLessThanOrEqual(id.iat!);
    expect(id).not.toHaveProperty('client_id');
    expect(id).not.toHaveProperty('scope');
    expect(id).not.toHaveProperty('username');
    // Both tokens of one sign-in share its session and event, never their own ids.
    expect(id.sub).toBe(access.sub);
    expect(id.origin_jti).toBe(access.origin_jti);
    expect(id.event_id).toBe(access.event_id);
    expect(id.auth_time).toBe(access.auth_time);
    expect(id.jti).not.toBe(access.jti);
  });

  it('puts every Cognito claim in the access token and no aud', () => {
    const access = decodeJwt(alice.accessToken);
    expect(access).toMatchObject({
      sub: expect.stringMatching(/^[0-9a-f-]{36}$/),
      client_id: clientId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      username: 'alice',
      origin_jti: expect.any(String),
      event_id: expect.any(String),
      jti: expect.any(String),
      auth_time: expect.any(Number),
      iss: issuer,
      exp: expect.any(Number),
      iat: expect.any(Number),
      'cognito:groups': ['admin'],
    });
    expect(access).not.toHaveProperty('aud');
    expect(access).not.toHaveProperty('email');
    expect(access).not.toHaveProperty('cognito:username');
  });

  it('leaves cognito:groups out of the tokens of a user in no group', () => {
    expect(decodeJwt(bob.idToken)).not.toHaveProperty('cognito:groups');
    expect(decodeJwt(bob.accessToken)).not.toHaveProperty('cognito:groups');
  });

  it('rejects an access token presented as an id token, and the reverse', async () => {
    await expect(verifier({ tokenUse: 'id' }).verify(alice.accessToken)).rejects.toBeInstanceOf(CognitoJwtInvalidTokenUseError);
    await expect(verifier({ tokenUse: 'access' }).verify(alice.idToken)).rejects.toBeInstanceOf(CognitoJwtInvalidTokenUseError);
  });

  it('rejects tokens issued to another client and accepts them when that client is listed', async () => {
    await expect(verifier({ tokenUse: 'id', clientId: otherClientId }).verify(alice.idToken)).rejects.toBeInstanceOf(CognitoJwtInvalidClientIdError);
    await expect(verifier({ tokenUse: 'access', clientId: otherClientId }).verify(alice.accessToken)).rejects.toBeInstanceOf(CognitoJwtInvalidClientIdError);
    await expect(verifier({ tokenUse: 'access', clientId: [otherClientId, clientId] }).verify(alice.accessToken)).resolves.toMatchObject({ client_id: clientId });
    // The other client's own tokens carry its id.
    const other = await signIn(s.anonymous, otherClientId, 'alice');
    await expect(verifier({ tokenUse: 'id', clientId: otherClientId }).verify(other.idToken)).resolves.toMatchObject({ aud: otherClientId });
    await expect(verifier({ tokenUse: 'id' }).verify(other.idToken)).rejects.toBeInstanceOf(CognitoJwtInvalidClientIdError);
  });

  it('accepts a member of a required group and rejects everyone else', async () => {
    await expect(verifier({ tokenUse: 'access', groups: 'admin' }).verify(alice.accessToken)).resolves.toMatchObject({ 'cognito:groups': ['admin'] });
    await expect(verifier({ tokenUse: 'id', groups: ['user', 'admin'] }).verify(alice.idToken)).resolves.toBeTruthy();
    await expect(verifier({ tokenUse: 'access', groups: 'user' }).verify(alice.accessToken)).rejects.toBeInstanceOf(CognitoJwtInvalidGroupError);
    await expect(verifier({ tokenUse: 'access', groups: 'admin' }).verify(bob.accessToken)).rejects.toBeInstanceOf(CognitoJwtInvalidGroupError);
  });

  it('puts a group joined later into the tokens of the next sign-in', async () => {
    await s.admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'bob', GroupName: 'user' }));
    const again = await signIn(s.anonymous, clientId, 'bob');
    await expect(verifier({ tokenUse: 'access', groups: 'user' }).verify(again.accessToken)).resolves.toMatchObject({ 'cognito:groups': ['user'] });
    await expect(verifier({ tokenUse: 'id', groups: 'user' }).verify(again.idToken)).resolves.toMatchObject({ 'cognito:groups': ['user'] });
  });

  it('rejects a token from another issuer', async () => {
    const wrongIssuer = JwtRsaVerifier.create(
      { issuer: `${issuer}x`, audience: null, jwksUri, customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: 'access', clientId }) },
      { jwksCache: new SimpleJwksCache({ fetcher: new HttpFetcher() }) },
    );
    await expect(wrongIssuer.verify(alice.accessToken)).rejects.toBeInstanceOf(JwtInvalidIssuerError);
  });

  it('rejects expired tokens', async () => {
    const now = clock.now();
    // Sign in two hours ago: the one-hour tokens are long expired by the real clock.
    clock.set(now - 2 * 3600_000);
    let old: Awaited<ReturnType<typeof signIn>>;
    try {
      old = await signIn(s.anonymous, clientId, 'alice');
    } finally {
      clock.set(now);
    }
    expect(decodeJwt(old.accessToken).exp! * 1000).toBeLessThan(Date.now());
    await expect(verifier({ tokenUse: 'id' }).verify(old.idToken)).rejects.toBeInstanceOf(JwtExpiredError);
    await expect(verifier({ tokenUse: 'access' }).verify(old.accessToken)).rejects.toBeInstanceOf(JwtExpiredError);
    // Tessera agrees.
    await expect(s.anonymous.send(new GetUserCommand({ AccessToken: old.accessToken }))).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('rejects a token whose signature, payload or header was changed', async () => {
    await expect(verifier({ tokenUse: 'access' }).verify(tamper(alice.accessToken, 2))).rejects.toBeInstanceOf(JwtInvalidSignatureError);
    await expect(verifier({ tokenUse: 'id' }).verify(tamper(alice.idToken, 2))).rejects.toBeInstanceOf(JwtInvalidSignatureError);
    // A payload that grants more, keeping the original header and signature.
    const [header, payload, signature] = alice.accessToken.split('.');
    const claims = { ...decodeJwt(alice.accessToken), 'cognito:groups': ['admin', 'superuser'] };
    const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    await expect(verifier({ tokenUse: 'access' }).verify(forged)).rejects.toBeInstanceOf(JwtInvalidSignatureError);
    // A mangled header no longer parses.
    await expect(verifier({ tokenUse: 'access' }).verify(tamper(alice.accessToken, 0))).rejects.toBeInstanceOf(JwtBaseError);
    // Tessera refuses all of them too.
    for (const token of [tamper(alice.accessToken, 2), forged, tamper(alice.accessToken, 0)]) {
      await expect(s.anonymous.send(new GetUserCommand({ AccessToken: token }))).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    }
  });

  it('rejects a token signed by another key under a Tessera kid, and one with an unknown kid', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const claims = decodeJwt(alice.accessToken);
    const kid = decodeProtectedHeader(alice.accessToken).kid!;
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    await expect(verifier({ tokenUse: 'access' }).verify(forged)).rejects.toBeInstanceOf(JwtInvalidSignatureError);
    const unknown = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'no-such-kid' }).sign(privateKey);
    await expect(verifier({ tokenUse: 'access' }).verify(unknown)).rejects.toBeInstanceOf(KidNotFoundInJwksError);
  });

  it('keeps auth_time and origin_jti across a refresh, and the refreshed tokens verify', async () => {
    clock.advance(60_000);
    try {
      const r = await s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: alice.refreshToken } }));
      const idToken = r.AuthenticationResult!.IdToken!;
      const accessToken = r.AuthenticationResult!.AccessToken!;
      expect(r.AuthenticationResult!.RefreshToken).toBeUndefined();
      const id = await verifier({ tokenUse: 'id', groups: 'admin' }).verify(idToken);
      const access = await verifier({ tokenUse: 'access' }).verify(accessToken);
      const first = decodeJwt(alice.idToken);
      expect(id.auth_time).toBe(first.auth_time);
      expect(id.origin_jti).toBe(first.origin_jti);
      expect(access.origin_jti).toBe(first.origin_jti);
      expect(id.iat).toBe(first.iat! + 60);
      expect(id.jti).not.toBe(first.jti);
      expect(id.event_id).toBe(access.event_id);
    } finally {
      clock.advance(-60_000);
    }
  });

  it('keeps verifying tokens minted before a key rotation while new tokens use new kids', async () => {
    const before = await signIn(s.anonymous, clientId, 'alice');
    const oldKids = { id: decodeProtectedHeader(before.idToken).kid!, access: decodeProtectedHeader(before.accessToken).kid! };
    // A long-lived app verifier that cached the JWKS before the rotation.
    const fetcher = new HttpFetcher();
    const longLived = verifier({ tokenUse: 'access' }, fetcher);
    await longLived.verify(before.accessToken);
    expect(fetcher.fetched).toHaveLength(1);

    await s.tessera.userPools.pools.rotateSigningKeys(poolId);

    const jwks = (await (await fetch(jwksUri)).json()) as { keys: Array<{ kid: string }> };
    const kids = jwks.keys.map((k) => k.kid);
    expect(kids).toEqual(expect.arrayContaining([oldKids.id, oldKids.access]));
    expect(kids).toHaveLength(4);
    expect(new Set(kids).size).toBe(4);

    const after = await signIn(s.anonymous, clientId, 'alice');
    const newKids = { id: decodeProtectedHeader(after.idToken).kid!, access: decodeProtectedHeader(after.accessToken).kid! };
    expect(newKids.id).not.toBe(oldKids.id);
    expect(newKids.access).not.toBe(oldKids.access);
    expect(newKids.id).not.toBe(newKids.access);
    expect(kids).toEqual(expect.arrayContaining([newKids.id, newKids.access]));

    // A fresh verifier accepts both generations.
    await expect(verifier({ tokenUse: 'id' }).verify(before.idToken)).resolves.toBeTruthy();
    await expect(verifier({ tokenUse: 'access' }).verify(before.accessToken)).resolves.toBeTruthy();
    await expect(verifier({ tokenUse: 'id' }).verify(after.idToken)).resolves.toBeTruthy();
    await expect(verifier({ tokenUse: 'access' }).verify(after.accessToken)).resolves.toBeTruthy();
    // The cached one refetches on the unknown kid and accepts the new token too.
    await expect(longLived.verify(after.accessToken)).resolves.toBeTruthy();
    expect(fetcher.fetched).toHaveLength(2);
    await expect(longLived.verify(before.accessToken)).resolves.toBeTruthy();
    // Tessera itself accepts both generations.
    await expect(s.anonymous.send(new GetUserCommand({ AccessToken: before.accessToken }))).resolves.toMatchObject({ Username: 'alice' });
    await expect(s.anonymous.send(new GetUserCommand({ AccessToken: after.accessToken }))).resolves.toMatchObject({ Username: 'alice' });
  });

  it('stops publishing the retired keys once the longest token validity has passed', async () => {
    const current = await signIn(s.anonymous, clientId, 'alice');
    const currentKids = [decodeProtectedHeader(current.idToken).kid!, decodeProtectedHeader(current.accessToken).kid!];
    const before = (await (await fetch(jwksUri)).json()) as { keys: Array<{ kid: string }> };
    expect(before.keys.length).toBeGreaterThan(2);
    const now = clock.now();
    // Past the retired keys' publication window (one hour, the clients' token validity) and the key cache.
    clock.set(now + 3600_000 + 120_000);
    try {
      const after = (await (await fetch(jwksUri)).json()) as { keys: Array<{ kid: string }> };
      expect(after.keys.map((k) => k.kid).sort()).toEqual([...currentKids].sort());
    } finally {
      clock.set(now);
    }
  });
});

describe('aws-jwt-verify against Tessera tokens (aws issuer style)', () => {
  let tessera: Tessera;
  let app: FastifyInstance;
  let url: string;
  let admin: CognitoIdentityProviderClient;
  let anonymous: CognitoIdentityProviderClient;
  let drop: () => Promise<void>;
  let poolId: string;
  let clientId: string;
  let jwks: Jwks;
  let alice: Awaited<ReturnType<typeof signIn>>;

  beforeAll(async () => {
    const fresh = await freshDatabase('sqlite');
    drop = fresh.drop;
    tessera = await createTessera({ db: fresh.url, region: REGION, publicUrl: 'http://127.0.0.1', issuerStyle: 'aws' });
    app = await buildServer(tessera, { credentials: [ADMIN_CREDENTIALS], logLevel: 'warn' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    admin = new CognitoIdentityProviderClient({ endpoint: url, region: REGION, credentials: ADMIN_CREDENTIALS, maxAttempts: 1 });
    anonymous = new CognitoIdentityProviderClient({ endpoint: url, region: REGION, credentials: { accessKeyId: 'anonymous', secretAccessKey: 'anonymous' }, maxAttempts: 1 });
    ({ poolId, clientId } = await seedPool(admin));
    alice = await signIn(anonymous, clientId, 'alice');
    jwks = (await (await fetch(`${url}/${poolId}/.well-known/jwks.json`)).json()) as Jwks;
  });
  afterAll(async () => {
    admin?.destroy();
    anonymous?.destroy();
    await app?.close();
    await tessera?.close();
    await drop?.();
  });

  it("mints Cognito's own issuer form", () => {
    const expected = `https://cognito-idp.${REGION}.amazonaws.com/${poolId}`;
    expect(tessera.tokens.issuer(poolId)).toBe(expected);
    expect(decodeJwt(alice.idToken).iss).toBe(expected);
    expect(decodeJwt(alice.accessToken).iss).toBe(expected);
  });

  it('verifies with an unchanged CognitoJwtVerifier handed the JWKS through cacheJwks', async () => {
    const idVerifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: 'id', clientId });
    idVerifier.cacheJwks(jwks);
    const id = await idVerifier.verify(alice.idToken);
    expect(id['cognito:username']).toBe('alice');
    expect(id.email).toBe('alice@example.com');

    const accessVerifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: 'access', clientId, groups: 'admin', scope: 'aws.cognito.signin.user.admin' });
    accessVerifier.cacheJwks(jwks);
    await expect(accessVerifier.verify(alice.accessToken)).resolves.toMatchObject({ username: 'alice', client_id: clientId });
    // verifySync works too, since the JWKS is cached.
    expect(accessVerifier.verifySync(alice.accessToken).client_id).toBe(clientId);

    await expect(idVerifier.verify(alice.accessToken)).rejects.toBeInstanceOf(CognitoJwtInvalidTokenUseError);
    await expect(accessVerifier.verify(tamper(alice.accessToken, 2))).rejects.toBeInstanceOf(JwtInvalidSignatureError);
  });

  it('verifies with an unchanged CognitoJwtVerifier whose JWKS cache maps the Cognito JWKS address to Tessera', async () => {
    const cognitoJwks = `https://cognito-idp.${REGION}.amazonaws.com/${poolId}/.well-known/jwks.json`;
    const fetcher = new HttpFetcher((uri) => uri.replace(`https://cognito-idp.${REGION}.amazonaws.com`, url));
    const v = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: 'access', clientId }, { jwksCache: new SimpleJwksCache({ fetcher }) });
    await expect(v.verify(alice.accessToken)).resolves.toMatchObject({ token_use: 'access' });
    expect(fetcher.fetched).toEqual([cognitoJwks.replace(`https://cognito-idp.${REGION}.amazonaws.com`, url)]);
  });

  it("rejects the token at a verifier for another pool, while Tessera's own check accepts it", async () => {
    const v = CognitoJwtVerifier.create({ userPoolId: `${REGION}_Other123`, tokenUse: 'access', clientId });
    v.cacheJwks(jwks);
    // The token's iss names a pool the verifier was not configured for.
    await expect(v.verify(alice.accessToken)).rejects.toThrow(/issuer not configured/);
    await expect(anonymous.send(new GetUserCommand({ AccessToken: alice.accessToken }))).resolves.toMatchObject({ Username: 'alice' });
  });
});
