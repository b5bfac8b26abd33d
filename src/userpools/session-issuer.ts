import { hashRefreshToken, type MintedTokens } from '../tokens/token-service.ts';
import type { Session } from '../store/repositories/sessions.ts';
import type { UserPoolDeps } from './context.ts';
import { readableAttributes } from './attributes.ts';
import type { Group, User, UserPool, UserPoolClient } from './model.ts';
import { tokenLifetimes } from './token-validity.ts';
import type { TokenGenerationSource } from './triggers/pre-token-generation.ts';
import { triggerUserAttributes } from './triggers/event-common.ts';
import type { UserDirectory } from './user-directory.ts';

/** Cognito's AuthenticationResult. */
export interface AuthenticationResult {
  AccessToken: string;
  IdToken?: string;
  RefreshToken?: string;
  ExpiresIn: number;
  TokenType: 'Bearer';
}

export const API_SCOPE = 'aws.cognito.signin.user.admin';

/** Attributes as an ID token carries them: verified flags as booleans, developer-only ones left out. */
export function idTokenClaimsOf(user: User, client: UserPoolClient): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(readableAttributes(user, client))) {
    if (name === 'sub') continue;
    if (name === 'email_verified' || name === 'phone_number_verified') claims[name] = value === 'true';
    else if (name === 'updated_at') claims[name] = Number(value);
    else claims[name] = value;
  }
  return claims;
}

/**
 * The IAM role claims Cognito derives from groups: every group role, and the preferred one from the
 * group of lowest precedence — unset when groups tied for lowest name different roles.
 */
export function roleClaimsOf(groups: Group[]): Record<string, unknown> {
  const withRoles = groups.filter((g) => g.roleArn !== null);
  if (withRoles.length === 0) return {};
  const lowest = Math.min(...withRoles.map((g) => g.precedence ?? Number.MAX_SAFE_INTEGER));
  const preferred = new Set(withRoles.filter((g) => (g.precedence ?? Number.MAX_SAFE_INTEGER) === lowest).map((g) => g.roleArn));
  return {
    'cognito:roles': [...new Set(withRoles.map((g) => g.roleArn))],
    ...(preferred.size === 1 && { 'cognito:preferred_role': [...preferred][0] }),
  };
}

/** Starts sign-in sessions (one refresh token each) and mints the tokens of a session. */
export class SessionIssuer {
  constructor(
    private readonly d: UserPoolDeps,
    private readonly directory: UserDirectory,
  ) {}

  async start(pool: UserPool, client: UserPoolClient, user: User, opts: { scopes?: string[]; idClaims?: Record<string, unknown>; authTime?: number; source?: TokenGenerationSource } = {}): Promise<AuthenticationResult> {
    return (await this.open(pool, client, user, opts)).result;
  }

  /** Starts a session and returns its tokens together with the session (whose origin_jti names them all). */
  async open(pool: UserPool, client: UserPoolClient, user: User, opts: { scopes?: string[]; idClaims?: Record<string, unknown>; authTime?: number; source?: TokenGenerationSource } = {}): Promise<{ result: AuthenticationResult; session: Session }> {
    const now = this.d.clock.now();
    const { refreshSeconds } = tokenLifetimes(client);
    const refreshToken = this.d.random.bytes(48).toString('base64url');
    const session: Session = {
      originJti: this.d.random.uuid(),
      poolId: pool.id,
      clientId: client.clientId,
      userId: user.id,
      scopes: opts.scopes ?? [API_SCOPE],
      authTime: opts.authTime ?? now,
      createdAt: now,
      expiresAt: now + refreshSeconds * 1000,
      revokedAt: null,
    };
    await this.d.sessions.insert(session, hashRefreshToken(refreshToken));
    // Read once: the sign-in event and the tokens both need them.
    const groups = await this.directory.groupsInTokenOrder(user.id);
    if (this.d.events) await this.d.events.signedIn(pool.id, user, groups.map((g) => g.name));
    let tokens: MintedTokens;
    try {
      tokens = await this.mint(pool, client, user, session, opts.idClaims, opts.source, groups);
    } catch (e) {
      // A pre token generation trigger that fails leaves no usable session behind.
      await this.d.sessions.revoke(session.originJti, this.d.clock.now());
      throw e;
    }
    return { result: { ...this.result(client, tokens), RefreshToken: refreshToken }, session };
  }

  /**
   * Mints a session's tokens; a pool's pre token generation trigger may change their claims, groups
   * and scopes within Cognito's rules (`source` is the event's triggerSource).
   */
  async mint(
    pool: UserPool,
    client: UserPoolClient,
    user: User,
    session: Session,
    extraIdClaims: Record<string, unknown> = {},
    source: TokenGenerationSource = 'TokenGeneration_Authentication',
    knownGroups?: Group[],
  ): Promise<MintedTokens> {
    const { idSeconds, accessSeconds } = tokenLifetimes(client);
    const groups = knownGroups ?? (await this.directory.groupsInTokenOrder(user.id));
    // API sign-ins carry only the admin scope; hosted UI (OAuth) sessions carry what was granted.
    const oauth = !(session.scopes.length === 1 && session.scopes[0] === API_SCOPE);
    const plan = {
      idClaims: { ...idTokenClaimsOf(user, client), ...roleClaimsOf(groups), ...extraIdClaims },
      // Cognito marks OAuth access tokens with `version: 2`.
      accessClaims: oauth ? { version: 2 } : {},
      groups: groups.map((g) => g.name),
      scopes: session.scopes,
    };
    const custom = this.d.triggers?.has(pool, 'PreTokenGeneration')
      ? await this.d.triggers.preTokenGeneration(pool, { userName: user.username, clientId: client.clientId }, { source, userAttributes: triggerUserAttributes(user, pool), groups, plan })
      : undefined;
    const final = custom ?? plan;
    return this.d.tokens.mint({
      poolId: pool.id,
      clientId: client.clientId,
      sub: user.id,
      username: user.username,
      originJti: session.originJti,
      eventId: this.d.random.uuid(),
      authTime: session.authTime,
      groups: final.groups,
      scopes: final.scopes,
      idClaims: final.idClaims,
      accessClaims: final.accessClaims,
      idTokenSeconds: idSeconds,
      accessTokenSeconds: accessSeconds,
      // OIDC: an ID token only for `openid`.
      withIdToken: !oauth || session.scopes.includes('openid'),
      withAtHash: oauth,
    });
  }

  async findByRefreshToken(refreshTokenHash: string): Promise<Session | undefined> {
    return this.d.sessions.findByRefreshTokenHash(refreshTokenHash);
  }

  /** Revokes a session: its refresh token and every token minted from it. */
  async revoke(originJti: string): Promise<void> {
    await this.d.sessions.revoke(originJti, this.d.clock.now());
  }

  result(client: UserPoolClient, tokens: MintedTokens): AuthenticationResult {
    return {
      AccessToken: tokens.accessToken,
      ...(tokens.idToken !== undefined && { IdToken: tokens.idToken }),
      ExpiresIn: tokenLifetimes(client).accessSeconds,
      TokenType: 'Bearer',
    };
  }
}
