import type { RouteAuthorizerSpec } from '../../config/schema.ts';
import { cedarAuthorizer } from './cedar.ts';
import { cerbosAuthorizer } from './cerbos.ts';
import { groupsAuthorizer } from './groups.ts';
import { lambdaAuthorizer } from './lambda.ts';
import { noneAuthorizer } from './none.ts';
import { rbacAuthorizer } from './rbac.ts';
import { scopesAuthorizer } from './scopes.ts';
import type { Authorizer, AuthorizerContext, AuthorizerFactory } from './types.ts';

/** One row per authorizer type of the config schema; a new type is a new row and a new module. */
const AUTHORIZERS: { [K in RouteAuthorizerSpec['type']]: AuthorizerFactory<K> } = {
  none: noneAuthorizer,
  groups: groupsAuthorizer,
  scopes: scopesAuthorizer,
  cedar: cedarAuthorizer,
  cerbos: cerbosAuthorizer,
  rbac: rbacAuthorizer,
  lambda: lambdaAuthorizer,
};

export function buildAuthorizer(spec: RouteAuthorizerSpec, ctx: AuthorizerContext): Promise<Authorizer> {
  const factory = AUTHORIZERS[spec.type] as AuthorizerFactory<RouteAuthorizerSpec['type']>;
  return factory(spec as never, ctx);
}

export type { AuthorizationRequest, Authorizer, AuthorizerContext, Verdict } from './types.ts';
