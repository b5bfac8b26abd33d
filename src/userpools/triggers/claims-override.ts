import type { TokenOverride } from './pre-token-generation.ts';

/**
 * Claims no pre token generation function can add, override or suppress, in either token (Cognito's
 * documented list, plus `c_hash`, the hybrid-flow sibling of `at_hash`).
 */
export const RESERVED_CLAIMS: readonly string[] = [
  'acr',
  'amr',
  'aud',
  'at_hash',
  'auth_time',
  'azp',
  'c_hash',
  'cognito:username',
  'exp',
  'iat',
  'identities',
  'iss',
  'jti',
  'nbf',
  'nonce',
  'origin_jti',
  'sub',
  'token_use',
];

/** Group claims change only through groupOverrideDetails (Cognito: "for group related claims, use groupOverrideDetails instead"). */
export const GROUP_CLAIMS: readonly string[] = ['cognito:groups', 'cognito:roles', 'cognito:preferred_role'];

/**
 * Claims Tessera's token service writes itself that stay out of a function's reach: the access
 * token's client, username, scope (changed through scopesToAdd/scopesToSuppress), event id and
 * version, and the ID token's event id.
 */
export const SERVICE_CLAIMS: Readonly<Record<'id' | 'access', readonly string[]>> = {
  id: ['event_id'],
  access: ['client_id', 'username', 'scope', 'event_id', 'version'],
};

/** Claims of developer-only attributes (`dev:custom:…`) never reach a token. */
const DEVELOPER_PREFIX = 'dev:';

export type TokenKind = 'id' | 'access';

/** Why a claim is out of a function's reach in a token, or undefined when it may change it. */
export function claimRestriction(token: TokenKind, claim: string): string | undefined {
  if (RESERVED_CLAIMS.includes(claim)) return 'reserved claim';
  if (claim.startsWith(DEVELOPER_PREFIX)) return 'developer-only attribute';
  if (GROUP_CLAIMS.includes(claim)) return 'group claims change through groupOverrideDetails';
  if (SERVICE_CLAIMS[token].includes(claim)) return claim === 'scope' ? 'scopes change through scopesToAdd and scopesToSuppress' : 'claim set by the token service';
  return undefined;
}

/** The claims Tessera is about to mint, the part of them a trigger may change. */
export interface TokenClaimsPlan {
  /** ID token claims from attributes and roles (`email`, `email_verified`, `cognito:roles`…). */
  idClaims: Record<string, unknown>;
  /** Extra access token claims (none for API sign-ins). */
  accessClaims: Record<string, unknown>;
  /** `cognito:groups` of both tokens. */
  groups: string[];
  /** The access token's scopes. */
  scopes: string[];
}

/** Something the function asked for that Cognito's rules refuse; it is left out, not an error. */
export interface IgnoredOverride {
  token: TokenKind;
  action: 'add' | 'suppress' | 'addScope' | 'suppressScope';
  name: string;
  reason: string;
}

export interface TokenCustomization extends TokenClaimsPlan {
  ignored: IgnoredOverride[];
}

/**
 * Applies a pre token generation response to the claims Tessera would mint. Pure.
 *
 * - Out-of-reach claims (RESERVED_CLAIMS, `dev:` claims, group claims, the token service's own) are
 *   left untouched and reported in `ignored`, the way Cognito leaves them alone.
 * - A claim both added and suppressed is suppressed (Cognito's rule); likewise a scope.
 * - groupOverrideDetails replaces the groups of both tokens and the ID token's `cognito:roles` and
 *   `cognito:preferred_role`; a null or empty one suppresses them.
 * - A scope containing whitespace (or empty) cannot be added.
 */
export function applyTokenOverride(plan: TokenClaimsPlan, override: TokenOverride): TokenCustomization {
  const ignored: IgnoredOverride[] = [];
  const idClaims = customize('id', plan.idClaims, override.id, ignored);
  const accessClaims = customize('access', plan.accessClaims, override.access, ignored);

  let groups = [...plan.groups];
  if (override.groups) {
    groups = [...new Set(override.groups.groupsToOverride)];
    const roles = [...new Set(override.groups.iamRolesToOverride)];
    delete idClaims['cognito:roles'];
    delete idClaims['cognito:preferred_role'];
    if (roles.length > 0) idClaims['cognito:roles'] = roles;
    if (override.groups.preferredRole !== null) idClaims['cognito:preferred_role'] = override.groups.preferredRole;
  }

  const suppressed = new Set(override.access.scopesToSuppress);
  const scopes = plan.scopes.filter((s) => !suppressed.has(s));
  for (const scope of override.access.scopesToAdd) {
    if (scope === '' || /\s/.test(scope)) {
      ignored.push({ token: 'access', action: 'addScope', name: scope, reason: 'a scope cannot be empty or contain whitespace' });
      continue;
    }
    if (!suppressed.has(scope) && !scopes.includes(scope)) scopes.push(scope);
  }
  return { idClaims, accessClaims, groups, scopes, ignored };
}

/** Sets a claim as an own property, whatever its name (`__proto__` included). */
export function setClaim(claims: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(claims, name, { value, enumerable: true, writable: true, configurable: true });
}

function customize(
  token: TokenKind,
  claims: Record<string, unknown>,
  changes: { claimsToAddOrOverride: Record<string, unknown>; claimsToSuppress: string[] },
  ignored: IgnoredOverride[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...claims };
  for (const [name, value] of Object.entries(changes.claimsToAddOrOverride)) {
    const reason = claimRestriction(token, name);
    if (reason) ignored.push({ token, action: 'add', name, reason });
    else setClaim(out, name, value);
  }
  for (const name of changes.claimsToSuppress) {
    const reason = claimRestriction(token, name);
    if (reason) ignored.push({ token, action: 'suppress', name, reason });
    else delete out[name];
  }
  return out;
}
