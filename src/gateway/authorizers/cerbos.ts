import { principalFromClaims } from '../../authz/cerbos/token-principal.ts';
import { identityHeaders } from '../identity-headers.ts';
import { compileTemplate } from '../templates.ts';
import { requireBearer, verifyToken } from '../token-check.ts';
import { tokenRequirement } from './token-requirement.ts';
import type { AuthorizerFactory } from './types.ts';

/**
 * A Cerbos check whose principal is the verified token (`sub`, groups as roles, claims as
 * attributes), on a resource of the configured kind. The token also goes as `auxData.jwt`, so
 * policies may read `request.auxData.jwt` and a PDP that builds principals only from tokens agrees.
 */
export const cerbosAuthorizer: AuthorizerFactory<'cerbos'> = async (spec, ctx) => {
  const requirement = await tokenRequirement(spec, ctx);
  const names = ctx.pattern.paramNames;
  const resourceId = compileTemplate(spec.id, names, 'id');
  const action = compileTemplate(spec.action, names, 'action');
  return {
    type: 'cerbos',
    authorize: async (r) => {
      const token = requireBearer(r.headers);
      const verified = await verifyToken(ctx.tokens, token, requirement);
      const vars = { method: r.method.toLowerCase(), path: ctx.route.path, params: r.params };
      const act = action(vars);
      const resource = {
        kind: spec.kind,
        id: resourceId(vars),
        attr: {},
        ...(spec.scope !== undefined && { scope: spec.scope }),
        ...(spec.policyVersion !== undefined && { policyVersion: spec.policyVersion }),
      };
      const out = await ctx.t.cerbos.checkResources({
        principal: principalFromClaims(verified.claims as Record<string, unknown>),
        resources: [{ resource, actions: [act] }],
        auxData: { jwt: { token } },
      });
      const effect = out.results[0]?.output.actions.get(act);
      const allow = effect?.effect === 'EFFECT_ALLOW';
      return { allow, principal: verified.claims.sub, headers: identityHeaders(verified), determining: effect?.policy && effect.policy !== 'NO_MATCH' ? [`policy:${effect.policy}`] : [] };
    },
  };
};
