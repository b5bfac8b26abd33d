import type { Socket } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance, LogController } from 'fastify';
import type { Tessera } from '../app.ts';
import type { GatewayRouteSpec } from '../config/schema.ts';
import { compileRoutes, type CompiledRoute } from './compiled-route.ts';
import { BadRequestError, GatewayError, InternalError, RouteNotFoundError } from './errors.ts';
import { gatewayHandler } from './handler.ts';
import { registerProxy } from './proxy.ts';
import { METHODS, RouteTable } from './route-table.ts';
import { sendWireError } from './wire.ts';

export interface GatewayOptions {
  logLevel?: string;
  /** Trust `X-Forwarded-*` from a proxy in front: the forwarded chain is extended instead of restarted. */
  trustProxy?: boolean;
}

/**
 * The API gateway: its own Fastify instance (it listens on a port of its own) that routes every
 * request by its raw URL, authorizes it per route, and streams it to the route's upstream. Routes
 * are checked and their pools, clients and policy stores resolved here, so a bad reference fails
 * the start with an error naming the route.
 */
export async function buildGateway(t: Tessera, spec: { routes: GatewayRouteSpec[] }, o: GatewayOptions = {}): Promise<FastifyInstance> {
  const table = new RouteTable<CompiledRoute>(await compileRoutes(t, spec.routes));
  const trustProxy = o.trustProxy ?? false;
  const app = Fastify({
    logger: {
      level: o.logLevel ?? 'info',
      // Tokens travel in these; they never reach the log.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]'],
    },
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy,
    requestIdHeader: false,
    genReqId: () => t.random.uuid(),
    // HEAD is a method of its own here: a GET route does not take it unless it says so.
    exposeHeadRoutes: false,
    // Fastify's router refuses some targets itself (bad percent-encoding); they get the gateway's 400.
    frameworkErrors: (error, _req, reply) => sendWireError(reply, error.code === 'FST_ERR_BAD_URL' ? new BadRequestError(error.message) : error),
    clientErrorHandler: writeClientError,
  });
  await registerProxy(app);
  // Bodies are never parsed or buffered: the request stream itself is the body, and goes upstream as it arrives.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  app.setNotFoundHandler((_req, reply) => sendWireError(reply, new RouteNotFoundError()));
  app.setErrorHandler((error: FastifyError, req, reply) => {
    const e = asGatewayError(error);
    // Messages of the gateway's own errors are written to be logged: no tokens, no authorizer answers.
    if (e instanceof InternalError) req.log.error({ err: error }, 'gateway request failed');
    else if (e.status >= 500) req.log.error({ reason: e.message, code: causeCode(e) }, 'gateway request failed');
    return sendWireError(reply, e);
  });
  app.route({ method: [...METHODS], url: '/*', handler: gatewayHandler(t, table, trustProxy) });
  return app;
}

/** Fastify's own client errors (a 4xx it raised) are the client's; anything else unknown is ours. */
function asGatewayError(error: FastifyError): GatewayError {
  if (error instanceof GatewayError) return error;
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) return new BadRequestError(error.message);
  return new InternalError(error.message);
}

/** The system error code under a failure (`ECONNREFUSED`…), however deep fetch or undici wrapped it. */
function causeCode(e: Error): string | undefined {
  for (let c: unknown = e.cause; c instanceof Error; c = c.cause) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Requests Node's parser rejects before Fastify sees them still get the gateway's JSON 400. */
function writeClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  const body = JSON.stringify({ message: status.slice(4) });
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export type { GatewayRouteSpec } from '../config/schema.ts';
