import { hashRefreshToken, type MintedTokens } from '../tokens/token-service.ts';
import type { Session } from '../store/repositories/sessions.ts';
import type { UserPoolDeps } from './context.ts';
import type { User, UserPool, UserPoolClient } from './model.ts';
import { tokenLifetimes } from './token-validity.ts';
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
  const readable = client.settings.ReadAttributes;
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(user.attributes)) {
    if (name === 'sub' || name.startsWith('dev:')) continue;
    if (readable && readable.length > 0 && !readable.includes(name)) continue;
    if (name === 'email_verified' || name === 'phone_number_verified') claims[name] = value === 'true';
    else if (name === 'updated_at') claims[name] = Number(value);
    else claims[name] = value;
  }
  return claims;
}

/** Starts sign-in sessions (one refresh token each) and mints the tokens of a session. */
export class SessionIssuer {
  constructor(
    private readonly d: UserPoolDeps,
    private readonly directory: UserDirectory,
  ) {}

  async start(pool: UserPool, client: UserPoolClient, user: User, opts: { scopes?: string[]; idClaims?: Record<string, unknown> } = {}): Promise<AuthenticationResult> {
    const now = this.d.clock.now();
    const { refreshSeconds } = tokenLifetimes(client);
    const refreshToken = this.d.random.bytes(48).toString('base64url');
    const session: Session = {
      originJti: this.d.random.uuid(),
      poolId: pool.id,
      clientId: client.clientId,
      userId: user.id,
      scopes: opts.scopes ?? [API_SCOPE],
      authTime: now,
      createdAt: now,
      expiresAt: now + refreshSeconds * 1000,
      revokedAt: null,
    };
    await this.d.sessions.insert(session, hashRefreshToken(refreshToken));
    const tokens = await this.mint(pool, client, user, session, opts.idClaims);
    return { ...this.result(client, tokens), RefreshToken: refreshToken };
  }

  async mint(pool: UserPool, client: UserPoolClient, user: User, session: Session, extraIdClaims: Record<string, unknown> = {}): Promise<MintedTokens> {
    const { idSeconds, accessSeconds } = tokenLifetimes(client);
    return this.d.tokens.mint({
      poolId: pool.id,
      clientId: client.clientId,
      sub: user.id,
      username: user.username,
      originJti: session.originJti,
      eventId: this.d.random.uuid(),
      authTime: session.authTime,
      groups: await this.directory.groupNames(user.id),
      scopes: session.scopes,
      idClaims: { ...idTokenClaimsOf(user, client), ...extraIdClaims },
      idTokenSeconds: idSeconds,
      accessTokenSeconds: accessSeconds,
      withIdToken: true,
    });
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
