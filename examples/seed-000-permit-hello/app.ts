/**
 * Seed 000, "Permit and Cognito Demo", against Tessera.
 *
 * One small node:http server plays both parts of the seed:
 * - it serves the browser app (./public: `index.html` and the ES module `app.mjs`, no bundler). The
 *   browser signs in at Tessera's hosted UI with the authorization code flow, PKCE S256 and `state`,
 *   swaps the code for tokens at `/oauth2/token` itself, as a public client, and calls the API below;
 * - it is the seed's backend (`standalone_be`): `GET /api/id` and `POST /api/sync` verify the ID and
 *   access token with aws-jwt-verify (./verifiers.ts), `POST /api/sync` syncs the user to Permit with
 *   `permit.api.syncUser`, and `POST /say_hello` and `POST /wave_hello` ask `permit.check(sub, 'say' |
 *   'wave', 'hello')`. The `permitio` SDK talks to Tessera: `pdp` and `apiUrl` are Tessera's URL.
 *
 * Run it with `npm run example:000` (Tessera included), or alone with
 * `node --import tsx examples/seed-000-permit-hello/app.ts` against a running `tessera serve --demo`.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { Permit } from 'permitio';
import { closeServer, failClosed, listen, runWhenMain } from '../support/http-app.ts';
import { createVerifiers, type Verifiers } from './verifiers.ts';

/** The demo RBAC environment's API key (src/config/demo.yaml). */
export const DEMO_PERMIT_API_KEY = 'permit_key_tessera_demo_change_me';

export interface AppConfig {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  host: string;
  /** The URL browsers reach this app at; `/callback` under it must be one of the client's callback URLs. Defaults to the listening address. */
  appUrl?: string;
  /** Tessera's base URL, e.g. http://127.0.0.1:7070: the user pool (browsers are sent there) and the Permit PDP and API. */
  tesseraUrl: string;
  poolId: string;
  /** The SPA's app client: public, PKCE, no secret. */
  clientId: string;
  /** The tokens' `iss`; `{tesseraUrl}/{poolId}` unless Tessera runs with another --public-url. */
  issuer?: string;
  /** The `permitio` SDK's token: an API key of one of Tessera's RBAC environments. */
  permitApiKey: string;
  /** Where the backend logs refused tokens and Permit's decisions; console.log by default. */
  log?: (message: string) => void;
}

/** The demo data's pool, SPA client and RBAC environment (src/config/demo.yaml), overridable through the environment. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = Number(env.PORT ?? 8000);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    appUrl: env.APP_URL ?? `http://localhost:${port}`,
    tesseraUrl: (env.TESSERA_URL ?? 'http://127.0.0.1:7070').replace(/\/+$/, ''),
    poolId: env.POOL_ID ?? 'us-east-1_TesseraDemo',
    clientId: env.CLIENT_ID ?? 'demospa0000000000000000001',
    permitApiKey: env.PERMIT_API_KEY || DEMO_PERMIT_API_KEY,
    ...(env.TESSERA_ISSUER && { issuer: env.TESSERA_ISSUER }),
  };
}

/** What the browser app reads from `/config.json`: the seed's `config.js`. */
export interface BrowserConfig {
  /** The hosted UI's base: `/login`, `/logout` and `/oauth2/token` are under it. */
  cognitoLoginUrl: string;
  clientId: string;
}

export interface RunningApp {
  /** Where the server listens. */
  url: string;
  /** Where browsers are told it is (the redirect URI's base). */
  appUrl: string;
  server: Server;
  permit: Permit;
  close(): Promise<void>;
}

/** The seed's answer to any token that does not verify (none, malformed, expired, another pool or client, the wrong kind). */
export const TOKEN_NOT_VALID = 'Token not valid!';

const PUBLIC = new URL('./public/', import.meta.url);

export async function startApp(config: AppConfig): Promise<RunningApp> {
  const tessera = config.tesseraUrl.replace(/\/+$/, '');
  const poolBase = `${tessera}/${config.poolId}`;
  const log = config.log ?? ((message: string) => console.log(message));
  const verifiers: Verifiers = createVerifiers({ issuer: config.issuer ?? poolBase, jwksUri: `${poolBase}/.well-known/jwks.json`, clientId: config.clientId });
  // The seed's `new Permit({ token, pdp })`, with Tessera as both the PDP and the management API.
  const permit = new Permit({ token: config.permitApiKey, pdp: tessera, apiUrl: tessera });
  const browserConfig: BrowserConfig = { cognitoLoginUrl: poolBase, clientId: config.clientId };
  const [indexHtml, appModule] = await Promise.all([readFile(new URL('index.html', PUBLIC), 'utf8'), readFile(new URL('app.mjs', PUBLIC), 'utf8')]);
  let appUrl = config.appUrl?.replace(/\/+$/, '') ?? '';

  const send = (response: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}) => {
    response.writeHead(status, {
      'content-type': contentType,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      ...headers,
    });
    response.end(body);
  };
  const text = (response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => send(response, status, 'text/plain; charset=utf-8', body, headers);
  const json = (response: ServerResponse, status: number, body: unknown) => send(response, status, 'application/json; charset=utf-8', JSON.stringify(body));
  // The page may load its own script and talk to this server and to Tessera (the token endpoint), nothing else.
  const pageCsp = `default-src 'none'; script-src 'self'; connect-src 'self' ${new URL(tessera).origin}; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

  /** The token of `Authorization: Bearer <token>`, as the seed's `req.headers.authorization?.split(" ")[1]`. */
  const bearer = (request: IncomingMessage) => /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];

  /** Verifies the request's token; on failure answers the seed's 403 and resolves undefined. */
  const verified = async (request: IncomingMessage, response: ServerResponse, kind: 'idToken' | 'accessToken', route: string): Promise<JwtPayload | undefined> => {
    try {
      return await verifiers[kind](bearer(request));
    } catch (error) {
      log(`${route}: token not valid (${error instanceof Error ? error.message : String(error)})`);
      text(response, 403, TOKEN_NOT_VALID);
      return undefined;
    }
  };

  /** The user's profile from Tessera's userInfo endpoint, read with the access token the browser sent. */
  const profileOf = async (accessToken: string): Promise<Record<string, unknown>> => {
    const res = await fetch(`${poolBase}/oauth2/userInfo`, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`GET ${poolBase}/oauth2/userInfo: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const stringOf = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

  /** `POST /say_hello` and `POST /wave_hello`: the ID token says who, Permit says whether. */
  const hello = (action: 'say' | 'wave') => async (request: IncomingMessage, response: ServerResponse) => {
    const route = `POST /${action}_hello`;
    const payload = await verified(request, response, 'idToken', route);
    if (!payload) return;
    const permitted = await permit.check(payload.sub!, action, 'hello');
    log(`${route}: permit.check(${payload.sub}, ${action}, hello) = ${permitted}`);
    if (permitted) return text(response, 200, `Permitted! to ${action} hello`);
    return text(response, 403, `Not permitted to ${action} hello`);
  };

  const page = async (_request: IncomingMessage, response: ServerResponse) => send(response, 200, 'text/html; charset=utf-8', indexHtml, { 'content-security-policy': pageCsp });

  const routes: Record<string, Partial<Record<string, (request: IncomingMessage, response: ServerResponse) => Promise<void>>>> = {
    // The browser app. `/callback` is where the hosted UI sends the browser back with the code.
    '/': { GET: page },
    '/callback': { GET: page },
    '/app.mjs': { GET: async (_request, response) => send(response, 200, 'text/javascript; charset=utf-8', appModule) },
    '/config.json': { GET: async (_request, response) => json(response, 200, browserConfig) },

    // The seed's backend.
    '/api/id': {
      GET: async (request, response) => {
        const payload = await verified(request, response, 'idToken', 'GET /api/id');
        if (payload) json(response, 200, payload);
      },
    },
    '/api/sync': {
      POST: async (request, response) => {
        const payload = await verified(request, response, 'accessToken', 'POST /api/sync');
        if (!payload) return;
        // The seed syncs `{ key: payload.sub }`. Permit's sync replaces the user's fields, so the rest of
        // what Tessera's own sync stored is sent along (email and names from userInfo, the username),
        // which makes this call change nothing for a user Tessera already synced at sign-in.
        const profile = await profileOf(bearer(request)!);
        const email = stringOf(profile.email);
        const firstName = stringOf(profile.given_name);
        const lastName = stringOf(profile.family_name);
        const user = await permit.api.syncUser({
          key: payload.sub!,
          ...(email && { email }),
          ...(firstName && { first_name: firstName }),
          ...(lastName && { last_name: lastName }),
          attributes: { 'cognito:username': String(payload.username ?? '') },
          // With a map from Cognito groups to Permit roles, roles could be assigned here with
          // permit.api.assignRole({ user, role, tenant: 'default' }). Tessera does it at sign-in.
        });
        log(`POST /api/sync: synced ${user.key} (roles: ${(user.roles ?? []).map((r) => r.role).join(', ') || 'none'})`);
        json(response, 200, { key: user.key, email: user.email ?? null, roles: (user.roles ?? []).map((r) => ({ role: r.role, tenant: r.tenant })) });
      },
    },
    '/say_hello': { POST: hello('say') },
    '/wave_hello': { POST: hello('wave') },
  };

  const server = createServer((request, response) => {
    // Request bodies (the seed's `{"message":"hello"}`) are not read.
    request.resume();
    const url = new URL(request.url ?? '/', 'http://app.invalid');
    const handle = async () => {
      const methods = Object.hasOwn(routes, url.pathname) ? routes[url.pathname]! : undefined;
      if (!methods) return text(response, 404, 'Not Found');
      const method = request.method === 'HEAD' ? 'GET' : (request.method ?? 'GET');
      const route = methods[method];
      if (!route) return text(response, 405, 'Method Not Allowed', { allow: Object.keys(methods).join(', ') });
      return route(request, response);
    };
    failClosed('seed-000 app', response, handle, (res, status, body) => text(res, status, (body as { message?: string }).message ?? ''));
  });

  const url = await listen(server, config.host, config.port);
  if (!appUrl) appUrl = url;
  return {
    url,
    appUrl,
    server,
    permit,
    close: () => closeServer(server),
  };
}

// Run directly: `node --import tsx examples/seed-000-permit-hello/app.ts`.
await runWhenMain(import.meta.url, () => startApp(configFromEnv()), (app) => `Seed 000 app listening on ${app.url}; open ${app.appUrl}`);
