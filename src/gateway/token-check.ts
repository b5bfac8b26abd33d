import type { IncomingHttpHeaders } from 'node:http';
import { InvalidTokenError, type TokenRejection } from '../tokens/errors.ts';
import type { TokenUse, VerifiedToken } from '../tokens/token-service.ts';
import type { VerifiedTokenCache } from '../tokens/verified-token-cache.ts';
import { bearerToken } from './bearer-token.ts';
import { UnauthorizedError } from './errors.ts';

/** Which tokens a route accepts, with its pool already resolved to an id. */
export interface TokenRequirement {
  poolId: string;
  clientIds?: string[];
  tokenUse: TokenUse;
}

/** What the client reads in `error_description`: why, without internals. */
const DESCRIPTIONS: Record<Exclude<TokenRejection, 'wrong_token_use'>, string> = {
  malformed: 'The token is malformed',
  unknown_issuer: 'The token was not issued by the user pool of this route',
  bad_signature: 'The token signature is invalid',
  expired: 'The token has expired',
  wrong_client: 'The token was issued to a client this route does not accept',
  revoked: 'The token has been revoked',
  user_gone: 'The user of the token no longer exists',
  user_disabled: 'The user of the token is disabled',
};

/** The request's bearer token, or 401 without an error code when there is none. */
export function requireBearer(headers: IncomingHttpHeaders): string {
  const token = bearerToken(headers.authorization);
  if (token === undefined) throw new UnauthorizedError();
  return token;
}

/** Verifies a token through the one token service (remembered for a second); every refusal becomes a 401 `invalid_token`. */
export async function verifyToken(tokens: VerifiedTokenCache, token: string, r: TokenRequirement): Promise<VerifiedToken> {
  try {
    return await tokens.verify(token, { tokenUse: r.tokenUse, poolId: r.poolId, ...(r.clientIds && { clientIds: r.clientIds }) });
  } catch (e) {
    if (e instanceof InvalidTokenError) {
      if (e.reason === 'wrong_token_use') throw new UnauthorizedError(r.tokenUse === 'id' ? 'This route takes an ID token' : 'This route takes an access token');
      throw new UnauthorizedError(DESCRIPTIONS[e.reason]);
    }
    throw e;
  }
}
