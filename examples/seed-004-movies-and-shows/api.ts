/**
 * The seed's backend: `GET /movies` and `GET /shows`, the Lambdas behind API Gateway's integrations.
 * It has no auth code at all. Tessera's gateway sits in front of it and decides who gets through,
 * so the service listens on loopback only, where nothing else can reach it. It reads the identity
 * the gateway vouches for only to greet the user:
 * - `x-tessera-username` on the `groups` routes (the gateway verified the token itself);
 * - `x-tessera-authorizer-username` on the `lambda` routes (the `context` of the authorizer's answer,
 *   as API Gateway hands `$context.authorizer.*` to an integration).
 * The gateway removes any `x-tessera-*` header a client sends, so neither can be forged.
 *
 * The same catalogue is served under `/lambda/…`, because the gateway passes the request's path to
 * the upstream unchanged and the Lambda-authorized routes live there.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { closeServer, failClosed, listen, runWhenMain, sendJson } from '../support/http-app.ts';

/** What each endpoint returns. */
export const CATALOGUE: Record<'movies' | 'shows', Array<{ title: string; year: number }>> = {
  movies: [
    { title: 'The Grand Budapest Hotel', year: 2014 },
    { title: 'Arrival', year: 2016 },
    { title: 'Spirited Away', year: 2001 },
  ],
  shows: [
    { title: 'Severance', year: 2022 },
    { title: 'The Bear', year: 2022 },
    { title: 'Slow Horses', year: 2022 },
  ],
};

/** The paths served, and which list each returns. */
export const API_PATHS: Record<string, keyof typeof CATALOGUE> = {
  '/movies': 'movies',
  '/shows': 'shows',
  '/lambda/movies': 'movies',
  '/lambda/shows': 'shows',
};

/** One request as the service received it (the test reads these to see what the gateway let through). */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface ApiConfig {
  /** 0 picks a free port. */
  port: number;
  /** Loopback by default: only the gateway, on the same machine, should reach the service. */
  host?: string;
  /** Called for every request that arrives. */
  onRequest?: (seen: SeenRequest) => void;
}

export interface RunningApi {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startApi(config: ApiConfig): Promise<RunningApi> {
  const server = createServer((request, response) => {
    failClosed(
      'seed-004 api',
      response,
      async () => {
        const path = new URL(request.url ?? '/', 'http://api.invalid').pathname;
        config.onRequest?.({ method: request.method ?? '', path, headers: request.headers });
        const list = Object.hasOwn(API_PATHS, path) ? API_PATHS[path] : undefined;
        if (!list) return sendJson(response, 404, { message: 'Not Found' });
        if (request.method !== 'GET') return sendJson(response, 405, { message: 'Method Not Allowed' });
        const user = request.headers['x-tessera-username'] ?? request.headers['x-tessera-authorizer-username'];
        return sendJson(response, 200, { path, user, message: `Hello ${user ?? 'there'}, here are the ${list}.`, items: CATALOGUE[list] });
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

// Run directly: `API_PORT=8001 node --import tsx examples/seed-004-movies-and-shows/api.ts`.
await runWhenMain(import.meta.url, () => startApi({ port: Number(process.env.API_PORT ?? 8001) }), (api) => `Seed 004 API listening on ${api.url}`);
