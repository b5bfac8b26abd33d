import { identityHeaders } from '../identity-headers.ts';
import { requireBearer, verifyToken } from '../token-check.ts';
import { tokenRequirement } from './token-requirement.ts';
import type { AuthorizerFactory } from './types.ts';

/** Allowed when the verified token's `cognito:groups` holds any of the route's groups (seed 004's rule). */
export const groupsAuthorizer: AuthorizerFactory<'groups'> = async (spec, ctx) => {
  const requirement = await tokenRequirement(spec, ctx);
  return {
    type: 'groups',
    authorize: async (r) => {
      const verified = await verifyToken(ctx.tokens, requireBearer(r.headers), requirement);
      const held = verified.claims['cognito:groups'] ?? [];
      const granting = spec.groups.filter((g) => held.includes(g));
      return { allow: granting.length > 0, principal: verified.claims.sub, headers: identityHeaders(verified), determining: granting.map((g) => `group:${g}`) };
    },
  };
};
