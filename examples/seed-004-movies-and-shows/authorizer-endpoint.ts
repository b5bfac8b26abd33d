/**
 * The seed's Lambda authorizer ([`authorizer.ts`](authorizer.ts)) behind a URL, where Tessera's
 * gateway can call it: a route with `authorizer: { type: lambda, url }` POSTs API Gateway's HTTP API
 * authorizer event (payload format 2.0) here and reads back `{ isAuthorized, context }`, as API
 * Gateway invokes the Lambda. The handler is the seed's code unchanged; this file only does what
 * the Lambda runtime would (read the event, call the handler, return its result).
 *
 * It listens on loopback: only the gateway, on the same machine, has anything to ask it.
 */
import { createServer, type Server } from 'node:http';
import { closeServer, failClosed, listen, runWhenMain, sendJson } from '../support/http-app.ts';
import { type AuthorizerEvent, createAuthorizer } from './authorizer.ts';

/** The lambda routes of tessera.yaml and the group each needs (the seed's map, under `/lambda`). */
export const LAMBDA_PATHS: ReadonlyArray<{ path: string; group: string }> = [
  { path: '/lambda/movies', group: 'movies-group' },
  { path: '/lambda/shows', group: 'shows-group' },
];

/** API Gateway's HTTP API authorizer event, format 2.0 (what arrives here; the handler reads a few fields). */
export interface AuthorizerEventV2 extends AuthorizerEvent {
  version: '2.0';
  type: 'REQUEST';
  routeArn: string;
  identitySource: string[];
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
}

export interface AuthorizerEndpointConfig {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Tessera's base URL; the pool's JWKS is under it. */
  tesseraUrl: string;
  poolId: string;
  /** The app client whose access tokens are accepted. */
  clientId: string;
  /** The tokens' `iss`; `{tesseraUrl}/{poolId}` unless Tessera runs with another --public-url. */
  issuer?: string;
  /** Path → group; LAMBDA_PATHS by default. */
  paths?: ReadonlyArray<{ path: string; group: string }>;
  /** The authorizer's log (console.log by default, like the Lambda's). */
  log?: (message: string) => void;
  /** Called with every event received (the test checks its shape). */
  onEvent?: (event: AuthorizerEventV2) => void;
}

export interface RunningAuthorizer {
  /** The URL to put in the route's `authorizer.url`. */
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** API Gateway's event is the request's headers plus a little; nothing legitimate comes near this. */
const MAX_EVENT_BYTES = 256 * 1024;

export async function startAuthorizerEndpoint(config: AuthorizerEndpointConfig): Promise<RunningAuthorizer> {
  const tessera = config.tesseraUrl.replace(/\/+$/, '');
  const authorizer = createAuthorizer({
    issuer: config.issuer ?? `${tessera}/${config.poolId}`,
    jwksUri: `${tessera}/${config.poolId}/.well-known/jwks.json`,
    clientId: config.clientId,
    paths: config.paths ?? LAMBDA_PATHS,
    ...(config.log && { log: config.log }),
  });

  const server = createServer((request, response) => {
    failClosed(
      'seed-004 authorizer',
      response,
      async () => {
        if (request.method !== 'POST') return sendJson(response, 405, { message: 'Method Not Allowed' });
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of request as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > MAX_EVENT_BYTES) return sendJson(response, 413, { message: 'Payload Too Large' });
          chunks.push(chunk);
        }
        let event: AuthorizerEventV2;
        try {
          event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AuthorizerEventV2;
        } catch {
          return sendJson(response, 400, { message: 'Bad Request' });
        }
        if (typeof event?.requestContext?.http?.path !== 'string') return sendJson(response, 400, { message: 'Bad Request' });
        config.onEvent?.(event);
        // The seed's handler, as the Lambda runtime would call it. A throw becomes a 500 (failClosed),
        // which the gateway turns into a refusal.
        return sendJson(response, 200, await authorizer.handler(event));
      },
      sendJson,
    );
  });
  const url = await listen(server, config.host ?? '127.0.0.1', config.port);
  return {
    url,
    server,
    close: () => closeServer(server),
  };
}

// Run directly: `AUTHORIZER_PORT=8002 TESSERA_URL=http://127.0.0.1:7070 node --import tsx examples/seed-004-movies-and-shows/authorizer-endpoint.ts`.
const env = process.env;
await runWhenMain(
  import.meta.url,
  () =>
    startAuthorizerEndpoint({
      port: Number(env.AUTHORIZER_PORT ?? 8002),
      tesseraUrl: env.TESSERA_URL ?? 'http://127.0.0.1:7070',
      poolId: env.POOL_ID ?? 'us-east-1_TesseraDemo',
      clientId: env.CLIENT_ID ?? 'demobackend000000000000001',
      ...(env.TESSERA_ISSUER && { issuer: env.TESSERA_ISSUER }),
    }),
  (endpoint) => `Seed 004 authorizer listening on ${endpoint.url}`,
);
