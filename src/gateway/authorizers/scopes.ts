import { identityHeaders } from '../identity-headers.ts';
import { requireBearer, verifyToken } from '../token-check.ts';
import { tokenRequirement } from './token-requirement.ts';
import type { AuthorizerFactory } from './types.ts';

/** API Gateway's JWT authorizer rule: allowed when the access token's `scope` holds any of the route's scopes. */
export const scopesAuthorizer: AuthorizerFactory<'scopes'> = async (spec, ctx) => {
  const requirement = await tokenRequirement(spec, ctx);
  return {
    type: 'scopes',
    authorize: async (r) => {
      const verified = await verifyToken(ctx.tokens, requireBearer(r.headers), requirement);
      const held = (verified.claims.scope ?? '').split(' ').filter(Boolean);
      const granting = spec.scopes.filter((s) => held.includes(s));
      return { allow: granting.length > 0, principal: verified.claims.sub, headers: identityHeaders(verified), determining: granting.map((s) => `scope:${s}`), requiredScopes: spec.scopes };
    },
  };
};
