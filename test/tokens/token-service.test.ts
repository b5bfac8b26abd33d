import { createHmac } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTessera, type Tessera } from '../../src/app.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { freshDatabase } from '../support/databases.ts';

/** Signs arbitrary header and payload with HMAC-SHA256, for forged-token cases. */
function hs256(header: object, payload: object, key: string | Buffer): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc(header)}.${enc(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

describe('token service', () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  let t: Tessera;
  let poolId: string;
  let clientId: string;
  let tokens: { AccessToken: string; IdToken?: string; RefreshToken?: string };

  const signIn = async () => {
    const step = await t.userPools.auth.initiateAuth({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: 'dave', PASSWORD: 'Passw0rd!' } }, { admin: false });
    return step.AuthenticationResult as { AccessToken: string; IdToken: string; RefreshToken: string };
  };

  beforeAll(async () => {
    const db = await freshDatabase('sqlite');
    t = await createTessera({ db: db.url, region: 'us-east-1', publicUrl: 'https://id.example', issuerStyle: 'tessera', clock });
    const pool = await t.userPools.pools.createPool({ PoolName: 'tokens' });
    poolId = pool.id;
    clientId = (await t.userPools.pools.createClient(poolId, { ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] })).clientId;
    await t.userPools.users.createUser(poolId, { Username: 'dave', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'dave@example.com' }, { Name: 'email_verified', Value: 'true' }] });
    await t.userPools.users.setPassword(poolId, 'dave', 'Passw0rd!', true);
    tokens = await signIn();
  });
  afterAll(async () => t?.close());

  it('signs ID and access tokens with different keys of the pool', () => {
    expect(decodeProtectedHeader(tokens.IdToken!).kid).not.toBe(decodeProtectedHeader(tokens.AccessToken).kid);
    expect(decodeProtectedHeader(tokens.AccessToken).alg).toBe('RS256');
  });

  it('issues tokens with the pool’s issuer and Cognito’s claims', () => {
    const access = decodeJwt(tokens.AccessToken);
    const id = decodeJwt(tokens.IdToken!);
    expect(access).toMatchObject({ iss: `https://id.example/${poolId}`, token_use: 'access', client_id: clientId, username: 'dave', scope: 'aws.cognito.signin.user.admin' });
    expect(access.aud).toBeUndefined();
    expect(id).toMatchObject({ token_use: 'id', aud: clientId, 'cognito:username': 'dave', email: 'dave@example.com', email_verified: true });
    expect(id.origin_jti).toBe(access.origin_jti);
    expect(id.jti).not.toBe(access.jti);
    expect(access.exp! - access.iat!).toBe(3600);
  });

  it('verifies a fresh access token', async () => {
    const v = await t.tokens.verify(tokens.AccessToken, { tokenUse: 'access', clientIds: [clientId] });
    expect(v.poolId).toBe(poolId);
    expect(v.claims.username).toBe('dave');
  });

  it('rejects an access token presented as an ID token', async () => {
    await expect(t.tokens.verify(tokens.AccessToken, { tokenUse: 'id' })).rejects.toMatchObject({ reason: 'wrong_token_use' });
  });

  it('rejects a token issued to another client', async () => {
    await expect(t.tokens.verify(tokens.AccessToken, { tokenUse: 'access', clientIds: ['someoneelse'] })).rejects.toMatchObject({ reason: 'wrong_client' });
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const [h, p, s] = tokens.AccessToken.split('.');
    const payload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), username: 'admin' };
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    await expect(t.tokens.verify(forged, { tokenUse: 'access' })).rejects.toMatchObject({ reason: 'bad_signature' });
  });

  it('rejects an unsigned token (alg none)', async () => {
    const claims = decodeJwt(tokens.AccessToken);
    const header = { alg: 'none', kid: decodeProtectedHeader(tokens.AccessToken).kid };
    const none = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    await expect(t.tokens.verify(none, { tokenUse: 'access' })).rejects.toMatchObject({ name: 'InvalidTokenError' });
  });

  it('rejects an HS256 token keyed with the published public key (algorithm confusion)', async () => {
    const kid = decodeProtectedHeader(tokens.AccessToken).kid!;
    const jwk = (await t.keys.jwks(poolId)).keys.find((k) => k.kid === kid)!;
    const forged = hs256({ alg: 'HS256', kid }, decodeJwt(tokens.AccessToken), JSON.stringify(jwk));
    await expect(t.tokens.verify(forged, { tokenUse: 'access' })).rejects.toMatchObject({ name: 'InvalidTokenError' });
  });

  it('rejects a token signed with the pool’s ID key but claiming to be an access token', async () => {
    const idKey = await t.keys.signingKey(poolId, 'id');
    const forged = await new SignJWT(decodeJwt(tokens.AccessToken)).setProtectedHeader({ alg: 'RS256', kid: idKey.kid }).sign(idKey.privateKey);
    await expect(t.tokens.verify(forged, { tokenUse: 'access' })).rejects.toMatchObject({ reason: 'bad_signature' });
  });

  it('rejects a token from another issuer even if it names this pool', async () => {
    const key = await t.keys.signingKey(poolId, 'access');
    const forged = await new SignJWT({ ...decodeJwt(tokens.AccessToken), iss: `https://evil.example/${poolId}` }).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.privateKey);
    await expect(t.tokens.verify(forged, { tokenUse: 'access' })).rejects.toMatchObject({ reason: 'unknown_issuer' });
  });

  it('rejects a token of another pool when a pool is expected', async () => {
    await expect(t.tokens.verify(tokens.AccessToken, { tokenUse: 'access', poolId: 'us-east-1_Other' })).rejects.toMatchObject({ reason: 'unknown_issuer' });
  });

  it.each(['', 'not-a-jwt', 'a.b.c', 'eyJhbGciOiJSUzI1NiJ9.e30.', `${'x'.repeat(5000)}.y.z`])('rejects the malformed token %#', async (token) => {
    await expect(t.tokens.verify(token, { tokenUse: 'access' })).rejects.toMatchObject({ name: 'InvalidTokenError' });
  });

  it('rejects a token once it has expired', async () => {
    const fresh = await signIn();
    clock.advance(3601_000);
    await expect(t.tokens.verify(fresh.AccessToken, { tokenUse: 'access' })).rejects.toMatchObject({ reason: 'expired' });
    tokens = await signIn();
  });

  it('rejects every token of a session after its refresh token is revoked', async () => {
    const s = await signIn();
    await t.userPools.auth.revokeToken({ Token: s.RefreshToken, ClientId: clientId });
    await expect(t.tokens.verify(s.AccessToken, { tokenUse: 'access' })).rejects.toMatchObject({ reason: 'revoked' });
    await expect(t.tokens.verify(s.IdToken, { tokenUse: 'id' })).rejects.toMatchObject({ reason: 'revoked' });
    await expect(t.tokens.verify(tokens.AccessToken, { tokenUse: 'access' })).resolves.toBeDefined();
  });

  it('rejects tokens of a disabled user, and accepts them again once re-enabled only for new sessions', async () => {
    const s = await signIn();
    await t.userPools.users.setEnabled(poolId, 'dave', false);
    await expect(t.tokens.verify(s.AccessToken, { tokenUse: 'access' })).rejects.toMatchObject({ name: 'InvalidTokenError' });
    await t.userPools.users.setEnabled(poolId, 'dave', true);
    await expect(t.tokens.verify(s.AccessToken, { tokenUse: 'access' })).rejects.toMatchObject({ reason: 'revoked' });
    tokens = await signIn();
    await expect(t.tokens.verify(tokens.AccessToken, { tokenUse: 'access' })).resolves.toBeDefined();
  });

  it('rejects tokens of a deleted user', async () => {
    await t.userPools.users.deleteUser(poolId, 'dave');
    await expect(t.tokens.verify(tokens.AccessToken, { tokenUse: 'access' })).rejects.toMatchObject({ name: 'InvalidTokenError' });
  });
});
