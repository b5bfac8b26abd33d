import type { Tessera } from '../app.ts';
import type { GatewayRouteSpec } from '../config/schema.ts';
import { VerifiedTokenCache } from '../tokens/verified-token-cache.ts';
import { buildAuthorizer, type Authorizer } from './authorizers/index.ts';
import { assertClientsOf, resolvePoolId } from './pool-references.ts';
import { parseUpstream, type Upstream } from './proxy.ts';
import { parseRoutePattern } from './route-pattern.ts';
import type { Method, RouteEntry } from './route-table.ts';
import { assertParamNamesUsable } from './templates.ts';

/** A route ready to serve: its authorizer built and its references checked. */
export interface CompiledRoute extends RouteEntry {
  methods: Array<Method | 'ANY'>;
  authorizer: Authorizer;
  upstream: Upstream;
  timeoutMs: number;
}

/** Builds every route's authorizer, refusing unknown pools, clients and policy stores with an error that names the route. */
export async function compileRoutes(t: Tessera, routes: GatewayRouteSpec[]): Promise<CompiledRoute[]> {
  const pools = new Map<string, Promise<string>>();
  const poolId = (ref: string) => {
    let p = pools.get(ref);
    if (!p) pools.set(ref, (p = resolvePoolId(t, ref)));
    return p;
  };
  const tokens = new VerifiedTokenCache(t.tokens, t.clock);
  const out: CompiledRoute[] = [];
  for (const [i, route] of routes.entries()) {
    try {
      const pattern = parseRoutePattern(route.path);
      assertParamNamesUsable(pattern.paramNames);
      const authorizer = await buildAuthorizer(route.authorizer, { t, tokens, route, pattern, poolId, assertClients: (id, clientIds) => assertClientsOf(t, id, clientIds) });
      out.push({ path: route.path, methods: route.methods, authorizer, upstream: parseUpstream(route.upstream), timeoutMs: route.timeoutMs });
    } catch (e) {
      // The one place a build error gets the route's name, so the operator knows which entry to fix.
      throw new Error(`gateway route ${i + 1} (${route.methods.join(',')} ${route.path}, ${route.authorizer.type}): ${(e as Error).message}`, { cause: e });
    }
  }
  return out;
}
