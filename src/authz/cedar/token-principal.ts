import { InvalidTokenError } from '../../tokens/errors.ts';
import type { TokenService } from '../../tokens/token-service.ts';
import type { CompiledStore } from './compiled-stores.ts';
import { ValidationException } from './errors.ts';
import type { CedarEntity, CedarValue, EntityIdentifier } from './model.ts';

/** Verified Permissions' group entity type when an identity source names none. */
export const DEFAULT_GROUP_ENTITY_TYPE = 'AWS::CognitoGroup';

export interface TokenPrincipal {
  principal: EntityIdentifier;
  /** The principal entity built from the token, with its groups as parents. */
  entity: CedarEntity;
  /** Access-token claims, which Verified Permissions puts in the context rather than on the principal. */
  context: Record<string, CedarValue>;
  /** Why the token must be denied although it passed Verified Permissions' checks (revoked, user gone). */
  refusal?: string;
}

/** Verified Permissions' own five checks: a failure is an error of the request, not a decision. */
const CHECK_MESSAGES: Record<string, string> = {
  malformed: 'The token is not a valid JWT.',
  unknown_issuer: "The token was not issued by the policy store's identity source (its user pool).",
  bad_signature: "The token's signature does not verify against its user pool's JWKS.",
  expired: 'The token has expired.',
  wrong_client: "The token's audience (aud or client_id) is not one of the identity source's client IDs.",
};

/** Beyond Verified Permissions, which ignores them: tokens that no longer speak for a live user. */
const LIVENESS = new Set(['revoked', 'user_gone', 'user_disabled']);

function claimValue(value: unknown): CedarValue | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (Array.isArray(value)) {
    const items = value.map(claimValue);
    return items.every((i) => i !== undefined) ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, CedarValue> = {};
    for (const [k, v] of Object.entries(value)) {
      const c = claimValue(v);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  return undefined;
}

/**
 * Verifies a user pool token as Verified Permissions does (identity source, audience, expiry,
 * `token_use`, signature) and maps it to the principal `Type::"poolId|sub"`: ID-token claims become
 * its attributes, `cognito:groups` its parent group entities, access-token claims `context.token`
 * (with `scope` as a set of scopes).
 */
export async function principalFromTokens(tokens: TokenService, store: CompiledStore, given: { identityToken?: string; accessToken?: string }): Promise<TokenPrincipal> {
  const source = store.identitySource;
  if (!source) throw new ValidationException(`Policy store ${store.id} has no identity source; create one for the user pool that issued the token.`);
  if (given.identityToken === undefined && given.accessToken === undefined) throw new ValidationException('Give an identityToken, an accessToken, or both.');
  const expected = { poolId: source.poolId, ...(source.clientIds.length > 0 && { clientIds: source.clientIds }) };
  let refusal: string | undefined;
  const verify = async (token: string, tokenUse: 'id' | 'access') => {
    try {
      return (await tokens.verify(token, { ...expected, tokenUse })).claims as Record<string, unknown>;
    } catch (e) {
      if (!(e instanceof InvalidTokenError)) throw e;
      if (e.reason === 'wrong_token_use') {
        throw new ValidationException(`The token passed as ${tokenUse === 'id' ? 'identityToken' : 'accessToken'} has token_use ${tokenUse === 'id' ? 'access' : 'id'}; it must be ${tokenUse}.`);
      }
      if (!LIVENESS.has(e.reason)) throw new ValidationException(CHECK_MESSAGES[e.reason] ?? 'The token is invalid.');
      refusal = e.reason === 'revoked' ? 'The token has been revoked.' : e.reason === 'user_disabled' ? 'The user is disabled.' : 'The user no longer exists.';
      // A refused token still names its principal, so the decision log says whose request it was.
      return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    }
  };
  const id = given.identityToken !== undefined ? await verify(given.identityToken, 'id') : undefined;
  const access = given.accessToken !== undefined ? await verify(given.accessToken, 'access') : undefined;
  if (id && access && id.sub !== access.sub) throw new ValidationException('The identity and access tokens belong to different users.');
  const claims = (id ?? access) as Record<string, unknown>;

  const principal: EntityIdentifier = { entityType: source.principalEntityType, entityId: `${source.poolId}|${String(claims.sub)}` };
  const declared = store.schema?.attributesOf(source.principalEntityType);
  const attrs: Record<string, CedarValue> = {};
  if (id) {
    for (const [name, value] of Object.entries(id)) {
      // Groups are parents, not attributes; with a schema, only attributes it declares are mapped.
      if (name === 'cognito:groups' || (declared && !declared.has(name))) continue;
      const v = claimValue(value);
      if (v !== undefined) attrs[name] = v;
    }
  }
  const groupType = source.groupEntityType ?? DEFAULT_GROUP_ENTITY_TYPE;
  const groups = Array.isArray(claims['cognito:groups']) ? (claims['cognito:groups'] as unknown[]).filter((g): g is string => typeof g === 'string') : [];
  const parents = store.schema && !store.schema.allowsParent(source.principalEntityType, groupType) ? [] : groups.map((g) => ({ type: groupType, id: `${source.poolId}|${g}` }));

  const context: Record<string, CedarValue> = {};
  if (access) {
    const token: Record<string, CedarValue> = {};
    for (const [name, value] of Object.entries(access)) {
      // Policies test scopes with `context.token.scope.contains("…")`: the space-separated claim becomes a set.
      const v = name === 'scope' && typeof value === 'string' ? value.split(' ').filter(Boolean) : claimValue(value);
      if (v !== undefined) token[name] = v;
    }
    context.token = token;
  }
  return {
    principal,
    entity: { uid: { type: principal.entityType, id: principal.entityId }, attrs, parents },
    context,
    ...(refusal !== undefined && { refusal }),
  };
}
