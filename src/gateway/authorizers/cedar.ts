import { ResourceNotFoundException, ValidationException } from '../../authz/cedar/errors.ts';
import { identityHeaders } from '../identity-headers.ts';
import { compileTemplate } from '../templates.ts';
import { requireBearer, verifyToken } from '../token-check.ts';
import type { AuthorizerFactory } from './types.ts';

/**
 * IsAuthorizedWithToken on a Verified Permissions policy store. The token is first verified against
 * the store's identity source here, so that a bad token is a 401 and never confused with a request
 * Cedar cannot evaluate; what Cedar then refuses, for any reason, is a 403.
 */
export const cedarAuthorizer: AuthorizerFactory<'cedar'> = async (spec, ctx) => {
  const stores = ctx.t.policyStores;
  const store = await stores.compiled.get(spec.policyStoreId).catch((e: unknown) => {
    if (e instanceof ResourceNotFoundException) throw new Error(`policy store ${spec.policyStoreId} does not exist`, { cause: e });
    throw e;
  });
  if (!store.identitySource) throw new Error(`policy store ${spec.policyStoreId} has no identity source, so it cannot take tokens`);
  const names = ctx.pattern.paramNames;
  const actionId = compileTemplate(spec.action.id, names, 'action.id');
  const resourceId = compileTemplate(spec.resource.id, names, 'resource.id');
  return {
    type: 'cedar',
    authorize: async (r) => {
      const token = requireBearer(r.headers);
      // Read per request: the identity source may change while the gateway runs (the store caches it).
      const source = (await stores.compiled.get(spec.policyStoreId)).identitySource;
      if (!source) throw new Error(`policy store ${spec.policyStoreId} lost its identity source`);
      const verified = await verifyToken(ctx.tokens, token, { poolId: source.poolId, tokenUse: spec.tokenUse, ...(source.clientIds.length > 0 && { clientIds: source.clientIds }) });
      const vars = { method: r.method.toLowerCase(), path: ctx.route.path, params: r.params };
      const request = { action: { actionType: spec.action.type, actionId: actionId(vars) }, resource: { entityType: spec.resource.type, entityId: resourceId(vars) }, context: {} };
      const tokens = spec.tokenUse === 'id' ? { identityToken: token } : { accessToken: token };
      const base = { principal: verified.claims.sub, headers: identityHeaders(verified) };
      try {
        const { results } = await stores.authorizer.isAuthorizedWithToken(spec.policyStoreId, tokens, [request], [], false);
        const result = results[0];
        if (!result) return { ...base, allow: false, determining: [] };
        return {
          ...base,
          allow: result.decision === 'ALLOW',
          determining: result.determiningPolicies.map((p) => `policy:${p.policyId}`),
          errors: result.errors.map((e) => e.errorDescription),
        };
      } catch (e) {
        // An action or resource the schema does not know is not permitted; the reason goes to the log.
        if (e instanceof ValidationException) return { ...base, allow: false, determining: [], errors: [e.message] };
        throw e;
      }
    },
  };
};
