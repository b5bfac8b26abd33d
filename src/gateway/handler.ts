import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Tessera } from '../app.ts';
import type { AuthorizationRequest, Verdict } from './authorizers/index.ts';
import type { CompiledRoute } from './compiled-route.ts';
import { recordDecision } from './decisions.ts';
import { AuthorizerFailedError, ForbiddenError, RouteNotFoundError, UnauthorizedError } from './errors.ts';
import { forward, upstreamUrl } from './proxy.ts';
import { clientHeaders, upstreamHeaders } from './request-headers.ts';
import { parseRequestTarget } from './request-target.ts';
import type { Method, RouteTable } from './route-table.ts';

/**
 * One request through the gateway: parse the raw target, route, clean the client's headers,
 * authorize (and log the decision), then stream to the upstream. Every refusal is thrown and
 * written by the error handler; the upstream is reached only after an ALLOW.
 */
export function gatewayHandler(t: Tessera, table: RouteTable<CompiledRoute>, trustProxy: boolean) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const target = parseRequestTarget(req.raw.url ?? '');
    const match = table.match(req.method, target.segments);
    if (!match) throw new RouteNotFoundError();
    const { route, routeKey, params } = match;
    // Checked before authorization so that nothing is decided about a path the upstream would not see.
    const url = upstreamUrl(route.upstream, target.rawPath);
    const headers = clientHeaders(req.headers);
    const request: AuthorizationRequest = {
      method: req.method as Method,
      routeKey,
      rawPath: target.rawPath,
      rawQuery: target.rawQuery,
      params,
      headers,
      requestId: req.id,
      sourceIp: req.ip,
      protocol: `HTTP/${req.raw.httpVersion}`,
      host: req.host,
      log: req.log,
    };
    const decision = { routeKey, method: req.method, rawPath: target.rawPath, started: performance.now() };
    let verdict: Verdict;
    try {
      verdict = await route.authorizer.authorize(request);
    } catch (e) {
      recordDecision(t, route.authorizer.type, { ...decision, principal: '', allow: false, determining: [], errors: [refusalOf(e)] });
      throw e;
    }
    recordDecision(t, route.authorizer.type, { ...decision, principal: verdict.principal, allow: verdict.allow, determining: verdict.determining, errors: verdict.errors ?? [] });
    if (!verdict.allow) throw new ForbiddenError(verdict.requiredScopes);

    const upstream = upstreamHeaders(req, headers, verdict.headers, trustProxy);
    // Only a body handed over as a stream is forwarded (see the content-type parser); any other
    // declared length would not match what is sent.
    if (!isStream(req.body)) delete upstream['content-length'];
    return forward(reply, { url, headers: upstream, timeoutMs: route.timeoutMs, routeKey });
  };
}

function refusalOf(e: unknown): string {
  if (e instanceof UnauthorizedError) return e.description ?? 'no credentials';
  if (e instanceof AuthorizerFailedError) return e.message;
  return 'the authorizer failed';
}

function isStream(body: unknown): body is Readable {
  return typeof (body as Readable | undefined)?.pipe === 'function';
}
