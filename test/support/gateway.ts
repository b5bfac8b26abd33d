/**
 * The gateway beside a real Tessera: `startGateway` builds it from routes as a config file writes
 * them and listens on a random port; `startUpstream` is a real node:http service that answers with
 * what it received (method, raw path, headers, body) and counts its hits; `GATEWAY_CONFIG` is a
 * pool with seed 004's groups and users; `signIn` gets real tokens through the Cognito API.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminInitiateAuthCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { ConfigFile } from '../../src/config/schema.ts';
import { buildGateway, type GatewayOptions } from '../../src/gateway/index.ts';
import type { ConfigFileInput, TestServer } from './server.ts';

export type RouteInput = NonNullable<NonNullable<z.input<typeof ConfigFile>['gateway']>['routes']>[number];

export const POOL_ID = 'us-east-1_GatewayTest';
export const POOL_NAME = 'gateway-pool';
export const WEB_CLIENT = 'gatewaywebclient0000000001';
export const OTHER_CLIENT = 'gatewayotherclient00000001';
export const M2M_CLIENT = 'gatewaym2mclient0000000001';
export const M2M_SECRET = 'gateway-m2m-secret-for-tests';
export const PASSWORD = 'Gateway-Passw0rd!';
export const SCOPE_READ = 'movies-api/read';
export const SCOPE_WRITE = 'movies-api/write';

const USER_FLOWS = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];

/** Seed 004's pool: movies-group and shows-group, alice in the first and bob in the second, and clients to tell apart. */
export const GATEWAY_CONFIG: ConfigFileInput = {
  userPools: [
    {
      name: POOL_NAME,
      id: POOL_ID,
      resourceServers: [{ identifier: 'movies-api', name: 'Movies API', scopes: [{ name: 'read', description: 'Read movies' }, { name: 'write', description: 'Write movies' }] }],
      clients: [
        { name: 'web', id: WEB_CLIENT, ExplicitAuthFlows: USER_FLOWS },
        { name: 'other', id: OTHER_CLIENT, ExplicitAuthFlows: USER_FLOWS },
        { name: 'm2m', id: M2M_CLIENT, secret: M2M_SECRET, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: [SCOPE_READ, SCOPE_WRITE] },
      ],
      groups: [{ name: 'movies-group' }, { name: 'shows-group' }],
      users: [
        { username: 'alice', password: PASSWORD, attributes: { email: 'alice@example.com' }, groups: ['movies-group'] },
        { username: 'bob', password: PASSWORD, attributes: { email: 'bob@example.com' }, groups: ['shows-group'] },
      ],
    },
  ],
};

export interface Tokens {
  idToken: string;
  accessToken: string;
}

/** A USER_PASSWORD_AUTH sign-in through the Cognito API, as an app would do it. */
export async function signIn(server: TestServer, username: string, clientId = WEB_CLIENT): Promise<Tokens> {
  const r = await server.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD } }));
  return { idToken: r.AuthenticationResult!.IdToken!, accessToken: r.AuthenticationResult!.AccessToken! };
}

/** A server-side sign-in (AdminInitiateAuth), as a backend would do it. */
export async function adminSignIn(server: TestServer, username: string, poolId = POOL_ID, clientId = WEB_CLIENT): Promise<Tokens> {
  const r = await server.admin.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD } }));
  return { idToken: r.AuthenticationResult!.IdToken!, accessToken: r.AuthenticationResult!.AccessToken! };
}

/** A client_credentials access token from the pool's OAuth token endpoint. */
export async function clientCredentialsToken(server: TestServer, scopes: string[]): Promise<string> {
  const res = await fetch(`${server.url}/${POOL_ID}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${M2M_CLIENT}:${M2M_SECRET}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: scopes.join(' ') }),
  });
  if (res.status !== 200) throw new Error(`client_credentials: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface TestGateway {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The gateway over `server`'s Tessera, with routes written as in a config file (defaults filled in by the schema). */
export async function startGateway(server: TestServer, routes: RouteInput[], o: GatewayOptions = {}): Promise<TestGateway> {
  const parsed = ConfigFile.parse({ gateway: { routes } }).gateway!.routes;
  const app = await buildGateway(server.tessera, { routes: parsed }, { logLevel: 'silent', ...o });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, app, close: () => app.close() };
}

/** What the upstream received. */
export interface Received {
  method: string;
  /** The raw request target, path and query. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface TestUpstream {
  url: string;
  /** Requests that reached the upstream, in order. */
  received: Received[];
  hits(): number;
  server: Server;
  close(): Promise<void>;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Echoes the request as JSON: what the upstream saw is the test's evidence. */
export const echo: UpstreamHandler = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
};

/** A real HTTP upstream on a random port; `handler` answers (echo by default) and every request is counted. */
export async function startUpstream(handler: UpstreamHandler = echo): Promise<TestUpstream> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    hits: () => received.length,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What the echo upstream answered, parsed. */
export async function echoed(res: Response): Promise<Received> {
  return (await res.json()) as Received;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request whose target goes out byte for byte. fetch() would resolve `..` and `%2e%2e` before
 * sending, so path-traversal tests need node:http, which sends the path it is given.
 */
export function rawRequest(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** How the test authorizer answers one event. */
export interface AuthorizerAnswer {
  status?: number;
  /** A value is sent as JSON; a string as it is. */
  body: unknown;
  delayMs?: number;
}

export interface TestAuthorizer {
  url: string;
  /** Every event the authorizer was POSTed, parsed. */
  events: Array<Record<string, unknown>>;
  calls(): number;
  /** What the next calls get. */
  answer: (event: Record<string, unknown>) => AuthorizerAnswer;
  close(): Promise<void>;
}

/** A real HTTP endpoint playing a Lambda authorizer: it records each event and answers as the test says. */
export async function startAuthorizer(): Promise<TestAuthorizer> {
  const self: TestAuthorizer = {
    url: '',
    events: [],
    calls: () => self.events.length,
    answer: () => ({ body: { isAuthorized: true } }),
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      self.events.push(event);
      const a = self.answer(event);
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
        res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
      };
      if (a.delayMs) setTimeout(reply, a.delayMs).unref();
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/authorize`;
  self.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return self;
}

/** A port nothing listens on (a server is opened there and closed again). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
