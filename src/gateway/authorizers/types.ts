import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Tessera } from '../../app.ts';
import type { VerifiedTokenCache } from '../../tokens/verified-token-cache.ts';
import type { GatewayRouteSpec, RouteAuthorizerSpec } from '../../config/schema.ts';
import type { RoutePattern } from '../route-pattern.ts';
import type { Method } from '../route-table.ts';

/** One request as an authorizer sees it, after routing and header hygiene. */
export interface AuthorizationRequest {
  method: Method;
  routeKey: string;
  rawPath: string;
  rawQuery: string;
  params: Record<string, string>;
  /** The client's headers without `x-tessera-*`, method overrides and hop-by-hop headers. */
  headers: IncomingHttpHeaders;
  requestId: string;
  sourceIp: string;
  /** `HTTP/1.1` */
  protocol: string;
  host: string;
  log: FastifyBaseLogger;
}

/**
 * An authorizer's answer. Missing or refused credentials are thrown (`UnauthorizedError`), and so
 * is a failure to decide (`AuthorizerFailedError`); a verdict is a decision.
 */
export interface Verdict {
  allow: boolean;
  /** The token's `sub`, or '' when the route identifies nobody. */
  principal: string;
  /** Identity headers for the upstream, sent only when allowed. */
  headers: Record<string, string>;
  /** What decided, for the decision log: granting groups, scopes, policies, roles. */
  determining: string[];
  /** Scopes that would have sufficed, for the 403 challenge. */
  requiredScopes?: string[];
  /** Problems the engine met while deciding (a Cedar evaluation error, say), for the decision log. */
  errors?: string[];
}

export interface Authorizer {
  readonly type: RouteAuthorizerSpec['type'];
  authorize(r: AuthorizationRequest): Promise<Verdict>;
}

/**
 * What building an authorizer may consult: Tessera, and the route it guards (for templates and
 * names). A factory throws a plain Error for a bad reference; the caller names the route.
 */
export interface AuthorizerContext {
  t: Tessera;
  /** Token verification shared by every route of the gateway. */
  tokens: VerifiedTokenCache;
  route: GatewayRouteSpec;
  pattern: RoutePattern;
  /** A pool id or a pool name, resolved to the id of an existing pool. */
  poolId(ref: string): Promise<string>;
  /** Fails unless every client id belongs to the pool. */
  assertClients(poolId: string, clientIds: string[] | undefined): Promise<void>;
}

export type AuthorizerFactory<K extends RouteAuthorizerSpec['type']> = (spec: Extract<RouteAuthorizerSpec, { type: K }>, ctx: AuthorizerContext) => Promise<Authorizer>;
