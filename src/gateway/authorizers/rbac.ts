import { identityHeaders } from '../identity-headers.ts';
import { compileTemplate } from '../templates.ts';
import { requireBearer, verifyToken } from '../token-check.ts';
import { tokenRequirement } from './token-requirement.ts';
import type { AuthorizerFactory } from './types.ts';

/**
 * A Permit-style check of the token's `sub` (the key pool users are synced under). `resource`
 * expands to `type` or `type:key`; the first `:` separates them, so a key may itself hold colons.
 */
export const rbacAuthorizer: AuthorizerFactory<'rbac'> = async (spec, ctx) => {
  const rbac = ctx.t.rbac;
  // Fails now, naming the route, if the environment does not exist (or, unnamed, is ambiguous).
  await rbac.environment(spec.environment);
  const requirement = await tokenRequirement(spec, ctx);
  const names = ctx.pattern.paramNames;
  const resource = compileTemplate(spec.resource, names, 'resource');
  const action = compileTemplate(spec.action, names, 'action');
  return {
    type: 'rbac',
    authorize: async (r) => {
      const verified = await verifyToken(ctx.tokens, requireBearer(r.headers), requirement);
      const vars = { method: r.method.toLowerCase(), path: ctx.route.path, params: r.params };
      const target = resource(vars);
      const colon = target.indexOf(':');
      const decision = await rbac.check({
        ...(spec.environment !== undefined && { environment: spec.environment }),
        user: { key: verified.claims.sub },
        action: action(vars),
        resource: colon < 0 ? { type: target, tenant: spec.tenant } : { type: target.slice(0, colon), key: target.slice(colon + 1), tenant: spec.tenant },
      });
      return { allow: decision.allow, principal: verified.claims.sub, headers: identityHeaders(verified), determining: decision.grantingRoles.map((role) => `role:${role}`) };
    },
  };
};
