import { decodeJwt } from 'jose';
import type { TokenService } from '../../tokens/token-service.ts';
import type { CheckPrincipal } from './engine.ts';

/**
 * Verifies a Tessera ID or access token for a Cerbos request: signature, issuer, expiry, and that
 * its session and user are still live. Returns its claims; throws `InvalidTokenError` otherwise.
 */
export async function verifiedClaims(tokens: TokenService, token: string): Promise<Record<string, unknown>> {
  let tokenUse: unknown;
  try {
    tokenUse = decodeJwt(token).token_use;
  } catch {
    tokenUse = undefined;
  }
  const verified = await tokens.verify(token, { tokenUse: tokenUse === 'access' ? 'access' : 'id' });
  return verified.claims as Record<string, unknown>;
}

/** The Cerbos principal a token describes: `sub` is the id, `cognito:groups` the roles, the claims the attributes. */
export function principalFromClaims(claims: Record<string, unknown>): CheckPrincipal {
  const groups = claims['cognito:groups'];
  return {
    id: String(claims.sub ?? ''),
    roles: Array.isArray(groups) ? groups.map(String) : [],
    attr: { ...claims },
  };
}
