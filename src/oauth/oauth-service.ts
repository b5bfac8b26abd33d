import type { Tessera } from '../app.ts';
import { sha256Hex } from '../crypto/constant-time.ts';
import { AuthorizationCodeRepository } from '../store/repositories/authorization-codes.ts';
import { LoginSessionRepository } from '../store/repositories/login-sessions.ts';
import { InvalidTokenError } from '../tokens/errors.ts';
import { hashRefreshToken } from '../tokens/token-service.ts';
import { readableAttributes } from '../userpools/attributes.ts';
import type { User, UserPool, UserPoolClient } from '../userpools/model.ts';
import { tokenLifetimes } from '../userpools/token-validity.ts';
import { type ClientCredentialsInput, authenticateClient } from './client-auth.ts';
import {
  OAuthError,
  insufficientScope,
  invalidGrant,
  invalidRequest,
  invalidToken,
  unauthorizedClient,
  unsupportedResponseType,
  unsupportedTokenType,
} from './errors.ts';
import { assertPkceRequest, assertPkceVerifier } from './pkce.ts';
import { grantedScopes } from './scopes.ts';

/** The parameters of an authorization request as they arrive (query or form). */
export interface AuthorizeParams {
  response_type?: string;
  client_id?: string;
  redirect_uri?: string;
  state?: string;
  scope?: string;
  nonce?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  prompt?: string;
  identity_provider?: string;
}

/** An authorization request whose client and redirect URI are proven: errors may now go to the client. */
export interface ProvenRequest {
  pool: UserPool;
  client: UserPoolClient;
  redirectUri: string;
  state?: string;
  responseMode: 'query' | 'fragment';
}

export interface ValidAuthorization extends ProvenRequest {
  responseType: 'code' | 'token';
  scopes: string[];
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  forceLogin: boolean;
}

export interface TokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** An error that must not be sent to an unproven redirect URI: shown as a page instead. */
export class UnprovenRequestError extends Error {
  constructor(
    readonly title: string,
    message: string,
    /** The pool, when it is known, so the page can carry its branding. */
    readonly pool?: UserPool,
  ) {
    super(message);
  }
}

const CODE_TTL_MS = 5 * 60_000;
export const LOGIN_SESSION_TTL_MS = 60 * 60_000;

/**
 * OAuth 2.0 / OpenID Connect on top of the user pools: authorization codes, the token endpoint's
 * grants, userInfo, revocation and the hosted UI's sign-in sessions. Tokens come from the one token
 * service, through the same sessions the Cognito API uses.
 */
export class OAuthService {
  private readonly codes: AuthorizationCodeRepository;
  private readonly logins: LoginSessionRepository;

  constructor(private readonly t: Tessera) {
    this.codes = new AuthorizationCodeRepository(t.store.db);
    this.logins = new LoginSessionRepository(t.store.db);
  }

  private get up() {
    return this.t.userPools;
  }

  /** Step one: the client exists in this pool and the redirect URI is exactly one of its callbacks. */
  async prove(poolId: string, p: AuthorizeParams): Promise<ProvenRequest> {
    const pool = await this.up.directory.findPool(poolId);
    if (!pool) throw new UnprovenRequestError('Unknown user pool', 'This sign-in page does not exist.');
    if (!p.client_id) throw new UnprovenRequestError('Invalid request', 'The request names no client (client_id is missing).', pool);
    const client = await this.up.pools.describeClient(poolId, p.client_id).catch(() => undefined);
    if (!client) throw new UnprovenRequestError('Invalid request', 'The client named by this request does not exist.', pool);
    if (!p.redirect_uri) throw new UnprovenRequestError('Invalid request', 'The request has no redirect_uri.', pool);
    // Exact string comparison (RFC 9700 §4.1.3): no prefix, case or normalisation games.
    if (!(client.settings.CallbackURLs ?? []).includes(p.redirect_uri)) {
      throw new UnprovenRequestError('Invalid redirect URI', 'The redirect_uri is not registered for this client.', pool);
    }
    return { pool, client, redirectUri: p.redirect_uri, ...(p.state !== undefined && { state: p.state }), responseMode: p.response_type === 'token' ? 'fragment' : 'query' };
  }

  /** Step two: everything else; failures here are redirected to the proven URI as OAuth errors. */
  async validate(proven: ProvenRequest, p: AuthorizeParams): Promise<ValidAuthorization> {
    const { client } = proven;
    const flows = client.settings.AllowedOAuthFlows ?? [];
    if (p.response_type !== 'code' && p.response_type !== 'token') throw unsupportedResponseType('response_type must be code or token');
    if (!client.settings.AllowedOAuthFlowsUserPoolClient) throw unauthorizedClient('OAuth flows are not enabled for this client');
    if (p.response_type === 'code' && !flows.includes('code')) throw unauthorizedClient('the authorization code flow is not allowed for this client');
    if (p.response_type === 'token' && !flows.includes('implicit')) throw unauthorizedClient('the implicit flow is not allowed for this client');
    if (p.identity_provider !== undefined && p.identity_provider !== 'COGNITO') throw invalidRequest(`identity provider ${p.identity_provider} is not configured`);
    const providers = client.settings.SupportedIdentityProviders;
    if (providers && providers.length > 0 && !providers.includes('COGNITO')) throw unauthorizedClient('the client does not allow sign-in with the user pool');
    if (p.prompt !== undefined && !['login', 'none', 'consent', 'select_account'].includes(p.prompt)) throw invalidRequest('unsupported prompt value');
    const scopes = grantedScopes(client, p.scope, await this.customScopes(proven.pool.id), 'user');
    const oidcScopes = ['email', 'phone', 'profile', 'aws.cognito.signin.user.admin'];
    if (scopes.some((s) => oidcScopes.includes(s)) && !scopes.includes('openid')) throw invalidRequest('the openid scope is required with email, phone, profile or aws.cognito.signin.user.admin');
    if (p.response_type === 'code') assertPkceRequest(p.code_challenge, p.code_challenge_method, client.secret === null);
    else if (p.code_challenge !== undefined) throw invalidRequest('PKCE applies to the code flow only');
    return {
      ...proven,
      responseType: p.response_type,
      scopes,
      ...(p.nonce !== undefined && { nonce: p.nonce }),
      ...(p.code_challenge !== undefined && { codeChallenge: p.code_challenge, codeChallengeMethod: p.code_challenge_method ?? 'S256' }),
      forceLogin: p.prompt === 'login',
    };
  }

  /** Where the browser goes once the user is signed in: a code, or tokens in the fragment (implicit). */
  async complete(a: ValidAuthorization, user: User, authTime: number): Promise<string> {
    if (a.responseType === 'token') {
      const { result } = await this.up.sessions.open(a.pool, a.client, user, { scopes: a.scopes, authTime, idClaims: a.nonce !== undefined ? { nonce: a.nonce } : {}, source: 'TokenGeneration_HostedAuth' });
      // The implicit flow never gets a refresh token.
      return redirectWith(a, {
        access_token: result.AccessToken,
        ...(result.IdToken !== undefined && { id_token: result.IdToken }),
        token_type: 'Bearer',
        expires_in: String(result.ExpiresIn),
      });
    }
    const code = this.t.random.bytes(32).toString('base64url');
    const now = this.t.clock.now();
    await this.codes.insert(sha256Hex(code), {
      poolId: a.pool.id,
      clientId: a.client.clientId,
      userId: user.id,
      redirectUri: a.redirectUri,
      scopes: a.scopes,
      nonce: a.nonce ?? null,
      codeChallenge: a.codeChallenge ?? null,
      codeChallengeMethod: a.codeChallengeMethod ?? null,
      authTime,
      createdAt: now,
      expiresAt: now + CODE_TTL_MS,
      usedAt: null,
      originJti: null,
    });
    return redirectWith(a, { code });
  }

  /** The URL that carries an OAuth error back to a proven client. */
  errorRedirect(proven: ProvenRequest, error: OAuthError): string {
    return redirectWith(proven, { error: error.error, error_description: error.description });
  }

  async exchangeCode(poolId: string, auth: ClientCredentialsInput, p: { code?: string; redirect_uri?: string; code_verifier?: string }): Promise<TokenResponse> {
    const { client, pool } = await authenticateClient(this.up, poolId, auth);
    if (!p.code) throw invalidRequest('code is required');
    const hash = sha256Hex(p.code);
    const stored = await this.codes.find(hash);
    if (!stored || stored.poolId !== poolId) throw invalidGrant('invalid authorization code');
    if (stored.usedAt !== null) {
      // A replayed code means it leaked: revoke everything its first redemption issued (RFC 6749 §4.1.2).
      if (stored.originJti) await this.t.userPools.sessions.revoke(stored.originJti);
      throw invalidGrant('authorization code has already been used');
    }
    if (stored.clientId !== client.clientId) throw invalidGrant('authorization code was issued to another client');
    if (stored.expiresAt <= this.t.clock.now()) throw invalidGrant('authorization code has expired');
    if (p.redirect_uri !== stored.redirectUri) throw invalidGrant('redirect_uri does not match the authorization request');
    assertPkceVerifier(stored.codeChallenge, p.code_verifier);
    if (!(await this.codes.markUsed(hash, this.t.clock.now()))) throw invalidGrant('authorization code has already been used');
    const user = await this.t.userPools.directory.userById(stored.userId);
    if (!user || !user.enabled) throw invalidGrant('the user can no longer sign in');
    const { result, session } = await this.up.sessions.open(pool, client, user, {
      scopes: stored.scopes,
      authTime: stored.authTime,
      idClaims: stored.nonce !== null ? { nonce: stored.nonce } : {},
      source: 'TokenGeneration_HostedAuth',
    });
    await this.codes.recordOrigin(hash, session.originJti);
    return {
      access_token: result.AccessToken,
      ...(result.IdToken !== undefined && { id_token: result.IdToken }),
      refresh_token: result.RefreshToken!,
      token_type: 'Bearer',
      expires_in: result.ExpiresIn,
    };
  }

  async refresh(poolId: string, auth: ClientCredentialsInput, p: { refresh_token?: string; scope?: string }): Promise<TokenResponse> {
    const { client, pool } = await authenticateClient(this.up, poolId, auth);
    if (!p.refresh_token) throw invalidRequest('refresh_token is required');
    const session = await this.t.userPools.sessions.findByRefreshToken(hashRefreshToken(p.refresh_token));
    if (!session || session.clientId !== client.clientId || session.poolId !== pool.id) throw invalidGrant('invalid refresh token');
    if (session.revokedAt !== null) throw invalidGrant('refresh token has been revoked');
    if (session.expiresAt <= this.t.clock.now()) throw invalidGrant('refresh token has expired');
    if (p.scope !== undefined && p.scope.split(' ').some((s) => s && !session.scopes.includes(s))) throw new OAuthError('invalid_scope', 'a refresh cannot widen the granted scopes');
    const user = await this.t.userPools.directory.userById(session.userId);
    if (!user || !user.enabled) throw invalidGrant('the user can no longer sign in');
    const tokens = await this.up.sessions.mint(pool, client, user, session, {}, 'TokenGeneration_RefreshTokens');
    const lifetimes = tokenLifetimes(client);
    return { access_token: tokens.accessToken, ...(tokens.idToken !== undefined && { id_token: tokens.idToken }), token_type: 'Bearer', expires_in: lifetimes.accessSeconds };
  }

  async clientCredentials(poolId: string, auth: ClientCredentialsInput, p: { scope?: string }): Promise<TokenResponse> {
    const { client, pool } = await authenticateClient(this.up, poolId, auth);
    if (client.secret === null) throw unauthorizedClient('client_credentials needs a client with a secret');
    if (!client.settings.AllowedOAuthFlowsUserPoolClient || !(client.settings.AllowedOAuthFlows ?? []).includes('client_credentials')) {
      throw unauthorizedClient('client_credentials is not allowed for this client');
    }
    const scopes = grantedScopes(client, p.scope, await this.customScopes(pool.id), 'client_credentials');
    const seconds = tokenLifetimes(client).accessSeconds;
    return { access_token: await this.t.tokens.mintForClient({ poolId: pool.id, clientId: client.clientId, scopes, seconds }), token_type: 'Bearer', expires_in: seconds };
  }

  /** OIDC userInfo: the claims an access token with `openid` may read, by its scopes. */
  async userInfo(poolId: string, accessToken: string | undefined): Promise<Record<string, unknown>> {
    if (!accessToken) throw invalidToken('an access token is required');
    let claims;
    try {
      ({ claims } = await this.t.tokens.verify(accessToken, { tokenUse: 'access', poolId }));
    } catch (e) {
      if (e instanceof InvalidTokenError) throw invalidToken(e.message);
      throw e;
    }
    const scopes = (claims.scope ?? '').split(' ');
    if (!scopes.includes('openid') && !scopes.includes('aws.cognito.signin.user.admin')) throw insufficientScope('the access token lacks the openid scope');
    const user = await this.t.userPools.directory.userById(claims.sub);
    if (!user) throw invalidToken('the user no longer exists');
    const client = claims.client_id ? await this.up.pools.describeClient(poolId, claims.client_id).catch(() => undefined) : undefined;
    return userInfoClaims(user, client, scopes);
  }

  /** RFC 7009: revokes a refresh token (and what it minted); unknown tokens are not an error. */
  async revoke(poolId: string, auth: ClientCredentialsInput, p: { token?: string; token_type_hint?: string }): Promise<void> {
    const { client } = await authenticateClient(this.up, poolId, auth);
    if (!p.token) throw invalidRequest('token is required');
    if (p.token.split('.').length === 3) throw unsupportedTokenType('only refresh tokens can be revoked');
    const session = await this.t.userPools.sessions.findByRefreshToken(hashRefreshToken(p.token));
    if (!session || session.clientId !== client.clientId) return;
    await this.t.userPools.sessions.revoke(session.originJti);
  }

  /** Starts a hosted UI session; returns the cookie value (only its hash is stored). */
  async startLogin(pool: UserPool, user: User): Promise<{ cookie: string; authTime: number }> {
    const cookie = this.t.random.bytes(32).toString('base64url');
    const now = this.t.clock.now();
    await this.logins.insert(sha256Hex(cookie), { poolId: pool.id, userId: user.id, authTime: now, createdAt: now, expiresAt: now + LOGIN_SESSION_TTL_MS });
    return { cookie, authTime: now };
  }

  /** The signed-in user of a hosted UI session, if it is live and the user may still sign in. */
  async loginOf(pool: UserPool, cookie: string | undefined): Promise<{ user: User; authTime: number } | undefined> {
    if (!cookie || cookie.length > 200) return undefined;
    const s = await this.logins.find(sha256Hex(cookie));
    if (!s || s.poolId !== pool.id || s.expiresAt <= this.t.clock.now()) return undefined;
    const user = await this.t.userPools.directory.userById(s.userId);
    if (!user || !user.enabled || user.status !== 'CONFIRMED') return undefined;
    // A browser signed in before the user owed a second factor must not skip it now.
    if (await this.up.mfa.requirement(pool, user)) return undefined;
    return { user, authTime: s.authTime };
  }

  async endLogin(cookie: string | undefined): Promise<void> {
    if (cookie && cookie.length <= 200) await this.logins.delete(sha256Hex(cookie));
  }

  private async customScopes(poolId: string): Promise<Set<string>> {
    return this.up.resourceServers.customScopes(poolId);
  }
}

function redirectWith(r: ProvenRequest, params: Record<string, string>): string {
  const all = new URLSearchParams({ ...params, ...(r.state !== undefined && { state: r.state }) });
  const url = new URL(r.redirectUri);
  if (r.responseMode === 'fragment') {
    url.hash = all.toString();
    return url.toString();
  }
  for (const [k, v] of all) url.searchParams.append(k, v);
  return url.toString();
}

const PROFILE_CLAIMS = ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at', 'address'];

/** Claims by scope (OIDC Core §5.4), limited to what the client may read. */
function userInfoClaims(user: User, client: UserPoolClient | undefined, scopes: string[]): Record<string, unknown> {
  const attrs = readableAttributes(user, client);
  const all = scopes.includes('aws.cognito.signin.user.admin');
  const out: Record<string, unknown> = { sub: user.id, username: user.username };
  const take = (name: string) => {
    if (attrs[name] === undefined) return;
    out[name] = name.endsWith('_verified') ? attrs[name] === 'true' : attrs[name];
  };
  if (all || scopes.includes('email')) ['email', 'email_verified'].forEach(take);
  if (all || scopes.includes('phone')) ['phone_number', 'phone_number_verified'].forEach(take);
  if (all || scopes.includes('profile')) PROFILE_CLAIMS.forEach(take);
  if (all) for (const name of Object.keys(attrs)) if (name.startsWith('custom:')) take(name);
  return out;
}
