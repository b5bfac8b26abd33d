import { createHash } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { KeyRing } from '../crypto/signing-keys.ts';
import type { Database } from '../store/schema.ts';
import type { Kysely } from 'kysely';
import type { Clock } from '../util/clock.ts';
import type { Random } from '../util/random.ts';
import { InvalidTokenError } from './errors.ts';

export type TokenUse = 'id' | 'access';

/** The claims of a verified Tessera token. */
export interface TokenClaims extends JWTPayload {
  sub: string;
  token_use: TokenUse;
  iss: string;
  exp: number;
  iat: number;
  jti: string;
  origin_jti?: string;
  auth_time: number;
  client_id?: string;
  aud?: string;
  scope?: string;
  username?: string;
  'cognito:username'?: string;
  'cognito:groups'?: string[];
}

export interface VerifiedToken {
  claims: TokenClaims;
  poolId: string;
}

export interface IssuerOptions {
  /** `http://host:port` as clients reach the server. */
  publicUrl: string;
  /** `tessera` issues `{publicUrl}/{poolId}`; `aws` issues Cognito's own `https://cognito-idp.{region}.amazonaws.com/{poolId}`. */
  style: 'tessera' | 'aws';
}

export interface MintRequest {
  poolId: string;
  clientId: string;
  sub: string;
  username: string;
  originJti: string;
  eventId: string;
  authTime: number;
  groups: string[];
  scopes: string[];
  /** Claims that go into the ID token only (user attributes, nonce, at_hash…). */
  idClaims: Record<string, unknown>;
  accessClaims?: Record<string, unknown>;
  idTokenSeconds: number;
  accessTokenSeconds: number;
  /** Whether to mint an ID token at all (not without `openid` in OAuth). */
  withIdToken: boolean;
  /** OIDC: put the access token's hash in the ID token (`at_hash`), as the code flow requires. */
  withAtHash?: boolean;
}

export interface MintedTokens {
  idToken?: string;
  accessToken: string;
}

/**
 * The one issuer and verifier of Tessera's JWTs. Every consumer (Cognito API, OAuth endpoints,
 * authorization engines, gateway) verifies through `verify`, which also consults the database so a
 * revoked session, a deleted user or a disabled one is refused everywhere at once.
 */
export class TokenService {
  constructor(
    private readonly keys: KeyRing,
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly issuerOptions: IssuerOptions,
    private readonly region: string,
  ) {}

  issuer(poolId: string): string {
    return this.issuerOptions.style === 'aws'
      ? `https://cognito-idp.${this.region}.amazonaws.com/${poolId}`
      : `${this.issuerOptions.publicUrl.replace(/\/$/, '')}/${poolId}`;
  }

  /** Where a pool's OAuth endpoints, hosted UI and JWKS are served, whatever the issuer style. */
  endpointsBase(poolId: string): string {
    return `${this.issuerOptions.publicUrl.replace(/\/$/, '')}/${poolId}`;
  }

  async mint(r: MintRequest): Promise<MintedTokens> {
    const iat = Math.floor(this.clock.now() / 1000);
    const iss = this.issuer(r.poolId);
    const authTime = Math.floor(r.authTime / 1000);
    const groups = r.groups.length > 0 ? { 'cognito:groups': r.groups } : {};
    const accessKey = await this.keys.signingKey(r.poolId, 'access');
    const accessToken = await new SignJWT({
      sub: r.sub,
      ...groups,
      iss,
      client_id: r.clientId,
      origin_jti: r.originJti,
      event_id: r.eventId,
      token_use: 'access',
      scope: r.scopes.join(' '),
      auth_time: authTime,
      exp: iat + r.accessTokenSeconds,
      iat,
      jti: this.random.uuid(),
      username: r.username,
      ...r.accessClaims,
    })
      .setProtectedHeader({ kid: accessKey.kid, alg: 'RS256' })
      .sign(accessKey.privateKey);
    if (!r.withIdToken) return { accessToken };

    const idKey = await this.keys.signingKey(r.poolId, 'id');
    const idToken = await new SignJWT({
      ...r.idClaims,
      ...(r.withAtHash && { at_hash: createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url') }),
      sub: r.sub,
      ...groups,
      iss,
      'cognito:username': r.username,
      origin_jti: r.originJti,
      aud: r.clientId,
      event_id: r.eventId,
      token_use: 'id',
      auth_time: authTime,
      exp: iat + r.idTokenSeconds,
      iat,
      jti: this.random.uuid(),
    })
      .setProtectedHeader({ kid: idKey.kid, alg: 'RS256' })
      .sign(idKey.privateKey);
    return { idToken, accessToken };
  }

  /** A client_credentials access token: the client acts for itself, so there is no user and no session. */
  async mintForClient(r: { poolId: string; clientId: string; scopes: string[]; seconds: number }): Promise<string> {
    const iat = Math.floor(this.clock.now() / 1000);
    const key = await this.keys.signingKey(r.poolId, 'access');
    return new SignJWT({
      sub: r.clientId,
      token_use: 'access',
      scope: r.scopes.join(' '),
      auth_time: iat,
      iss: this.issuer(r.poolId),
      exp: iat + r.seconds,
      iat,
      version: 2,
      jti: this.random.uuid(),
      client_id: r.clientId,
    })
      .setProtectedHeader({ kid: key.kid, alg: 'RS256' })
      .sign(key.privateKey);
  }

  /**
   * Verifies signature, issuer, expiry and `token_use`, then that the token's session is live and
   * its user exists and is enabled. `clientIds`, when given, must contain the token's client.
   */
  async verify(token: string, expected: { tokenUse: TokenUse; clientIds?: string[]; poolId?: string }): Promise<VerifiedToken> {
    const poolId = this.poolIdOf(token);
    if (expected.poolId !== undefined && poolId !== expected.poolId) throw new InvalidTokenError('unknown_issuer', 'token was not issued by this user pool');
    let claims: TokenClaims;
    try {
      const header = decodeProtectedHeader(token);
      const found = typeof header.kid === 'string' ? await this.keys.verificationKey(poolId, header.kid) : undefined;
      if (!found) throw new InvalidTokenError('bad_signature', 'token is not signed by a key of its user pool');
      const result = await jwtVerify(token, found.key, {
        algorithms: ['RS256'],
        issuer: this.issuer(poolId),
        currentDate: new Date(this.clock.now()),
      });
      claims = result.payload as TokenClaims;
      // ID and access tokens have their own keys: a token signed with the other kind's key is forged.
      if (found.purpose !== claims.token_use) throw new InvalidTokenError('bad_signature', 'token signed with a key of another purpose');
    } catch (e) {
      if (e instanceof InvalidTokenError) throw e;
      const code = (e as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED') throw new InvalidTokenError('expired', 'token has expired');
      // A token signed with another algorithm (or `none`) is well-formed but not signed by its pool.
      if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || code === 'ERR_JOSE_ALG_NOT_ALLOWED') throw new InvalidTokenError('bad_signature', 'token signature is invalid');
      throw new InvalidTokenError('malformed', 'token is invalid');
    }
    if (claims.token_use !== expected.tokenUse) throw new InvalidTokenError('wrong_token_use', `token_use is ${String(claims.token_use)}, expected ${expected.tokenUse}`);
    const client = claims.token_use === 'id' ? claims.aud : claims.client_id;
    if (expected.clientIds && (typeof client !== 'string' || !expected.clientIds.includes(client))) {
      throw new InvalidTokenError('wrong_client', 'token was issued to another client');
    }
    await this.assertLive(claims);
    return { claims, poolId };
  }

  /** The session a token came from must not be revoked; its user must exist and be enabled. */
  private async assertLive(claims: TokenClaims): Promise<void> {
    if (typeof claims.origin_jti !== 'string') {
      // client_credentials tokens have no user and no session; their client must still exist.
      if (claims.sub !== claims.client_id) throw new InvalidTokenError('malformed', 'token has no origin');
      const client = await this.db.selectFrom('user_pool_clients').select('client_id').where('client_id', '=', claims.sub).executeTakeFirst();
      if (!client) throw new InvalidTokenError('user_gone', 'the client of this token no longer exists');
      return;
    }
    const row = await this.db
      .selectFrom('sessions as s')
      .leftJoin('users as u', 'u.id', 's.user_id')
      .select(['s.revoked_at', 's.user_id', 'u.enabled'])
      .where('s.origin_jti', '=', claims.origin_jti)
      .executeTakeFirst();
    if (!row) throw new InvalidTokenError('user_gone', 'token has been revoked');
    if (row.enabled === null) throw new InvalidTokenError('user_gone', 'user does not exist');
    // Disabling a user also revokes their sessions; name the cause, not the consequence.
    if (row.enabled !== 1) throw new InvalidTokenError('user_disabled', 'user is disabled');
    if (row.revoked_at !== null) throw new InvalidTokenError('revoked', 'token has been revoked');
  }

  /** The pool a token claims to come from, taken from its issuer's last path segment. */
  poolIdOf(token: string): string {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new InvalidTokenError('malformed', 'token is not a JWT');
    }
    if (typeof iss !== 'string') throw new InvalidTokenError('malformed', 'token has no issuer');
    const poolId = iss.slice(iss.lastIndexOf('/') + 1);
    if (!poolId || this.issuer(poolId) !== iss) throw new InvalidTokenError('unknown_issuer', 'token was not issued by this server');
    return poolId;
  }
}

/** Refresh tokens are opaque and stored only as this hash. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
