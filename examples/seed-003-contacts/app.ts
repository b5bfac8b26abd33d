/**
 * Seed 003, "AWS Cognito + Cerbos", against Tessera: the seed's FastAPI contacts app as one small
 * node:http server. Tessera is both the user pool and the Cerbos policy decision point.
 *
 * - `GET /` is the login form. `POST /login` signs in with USER_PASSWORD_AUTH (InitiateAuth) and keeps
 *   the tokens on the server behind an HttpOnly session cookie.
 * - `GET /user` verifies the ID token (signature against the pool's JWKS, issuer, audience, expiry,
 *   `token_use`), builds the Cerbos principal from its claims (`id` = `sub`, `roles` =
 *   `cognito:groups`) and asks Cerbos, with `@cerbos/http`'s `checkResources`, whether the user may read,
 *   update and delete two contacts: one the user owns, one owned by `other_user_id`. It shows the
 *   claims, the request, a table of the answers and the raw response, as the seed's page does.
 * - `GET /contacts` is the same check for API callers (`Authorization: Bearer <ID or access token>`),
 *   in Tessera's token mode: the app does not build the principal; it passes the token as
 *   `auxData.jwt` with an empty principal id, and Tessera verifies the token and builds the principal.
 *
 * Run it with `npm run example:003` (Tessera and the set-up included), or alone with
 * `POOL_ID=… CLIENT_ID=… node --import tsx examples/seed-003-contacts/app.ts` against a Tessera serving
 * `--cerbos-policies examples/seed-003-contacts/cerbos`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { HTTP } from '@cerbos/http';
import { createRemoteJWKSet, decodeJwt, type JWTPayload, jwtVerify } from 'jose';
import { failClosed, listen, runWhenMain } from '../support/http-app.ts';

export interface AppConfig {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  host: string;
  /** Tessera's base URL: the user pool's endpoint, and the Cerbos PDP unless `cerbosUrl` says otherwise. */
  tesseraUrl: string;
  region?: string;
  poolId: string;
  /** The app client (no secret) that signs users in. */
  clientId: string;
  /** The tokens' `iss`; `{tesseraUrl}/{poolId}` unless Tessera runs with another --public-url. */
  issuer?: string;
  /** The Cerbos PDP; Tessera by default. */
  cerbosUrl?: string;
  /** Where each decision is logged; silent by default. */
  log?: (message: string) => void;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const poolId = env.POOL_ID;
  const clientId = env.CLIENT_ID;
  if (!poolId || !clientId) throw new Error('set POOL_ID and CLIENT_ID (npm run example:003 creates them and prints them)');
  return {
    port: Number(env.PORT ?? 8000),
    host: env.HOST ?? '127.0.0.1',
    tesseraUrl: (env.TESSERA_URL ?? 'http://127.0.0.1:7070').replace(/\/+$/, ''),
    region: poolId.split('_')[0] ?? 'us-east-1',
    poolId,
    clientId,
    ...(env.TESSERA_ISSUER && { issuer: env.TESSERA_ISSUER }),
    ...(env.CERBOS_URL && { cerbosUrl: env.CERBOS_URL.replace(/\/+$/, '') }),
  };
}

// The request and response types of `@cerbos/http` (they live in `@cerbos/core`, which it wraps).
export type CheckResourcesRequest = Parameters<HTTP['checkResources']>[0];
export type CheckResourcesResponse = Awaited<ReturnType<HTTP['checkResources']>>;
export type Principal = CheckResourcesRequest['principal'];

/** The client's error for a refused request (`NotOK`) with gRPC status 3, INVALID_ARGUMENT: Cerbos' 400. */
export const isInvalidArgument = (error: unknown): error is Error & { code: number; details: string } =>
  error instanceof Error && error.name === 'NotOK' && (error as { code?: unknown }).code === 3;

/** What the page asks about each contact. */
export const ACTIONS = ['read', 'update', 'delete'] as const;

/** The seed's two contacts: in real life they would come from the app's database. */
export function contactsFor(userId: string) {
  return [
    // This one is owned by the user making the request…
    { kind: 'contact', id: 'abc123', attr: { owner: userId } },
    // …and this one by someone else.
    { kind: 'contact', id: 'def456', attr: { owner: 'other_user_id' } },
  ];
}

/** The Cerbos request for a principal: the two contacts and the three actions. */
export function contactsRequest(principal: Principal, ownerId: string): CheckResourcesRequest {
  return { principal, resources: contactsFor(ownerId).map((resource) => ({ resource, actions: [...ACTIONS] })) };
}

/** One contact as the app reports it: whether each action is allowed. */
export interface ContactDecision {
  id: string;
  owner: string;
  actions: Record<(typeof ACTIONS)[number], boolean>;
}

export function decisionsOf(request: CheckResourcesRequest, response: CheckResourcesResponse): ContactDecision[] {
  return request.resources.map(({ resource }) => {
    const result = response.findResult({ kind: resource.kind, id: resource.id });
    return {
      id: resource.id,
      owner: String(resource.attr?.owner ?? ''),
      actions: Object.fromEntries(ACTIONS.map((a) => [a, result?.isAllowed(a) === true])) as ContactDecision['actions'],
    };
  });
}

const SESSION_COOKIE = 'seed003_session';
const MAX_SESSIONS = 10_000;
const MAX_FORM_BYTES = 8 * 1024;

interface Session {
  idToken: string;
  accessToken: string;
  expires: number;
}

export interface RunningApp {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const pretty = (value: unknown) => escapeHtml(JSON.stringify(value, null, 2));

function cookiesOf(request: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 72rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a1a; }
form { max-width: 22rem; } label { display: block; margin-top: .6rem; } input { width: 100%; padding: .4rem; box-sizing: border-box; }
button, a.button { margin-top: 1rem; display: inline-block; padding: .5rem 1rem; background: #2557d6; color: #fff; border: 0; border-radius: .3rem; text-decoration: none; font: inherit; cursor: pointer; }
.error { background: #fdecea; color: #b3261e; padding: .5rem .8rem; border-radius: .3rem; }
.columns { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 1.2rem; }
pre { background: #f1f1f1; padding: .6rem; font-size: 12px; overflow: auto; border-radius: .3rem; }
table { border-collapse: collapse; width: 100%; } th, td { padding: .3rem .5rem; border-bottom: 1px solid #ddd; text-align: center; } th:first-child, td:first-child { text-align: left; }
.allowed { color: #11713b; font-weight: bold; } .denied { color: #b3261e; font-weight: bold; } code { background: #f1f1f1; padding: 0 .2rem; }
</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

function loginPage(error?: string): string {
  return page(
    'Cerbos Cognito demo',
    `<p>A contacts app: Tessera signs you in (Cognito's API) and decides what you may do with each contact (Cerbos' API).</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login">
<label for="username">Email</label><input id="username" name="username" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

function readForm(request: IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        resolve(undefined);
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    request.on('error', reject);
  });
}

export async function startApp(config: AppConfig): Promise<RunningApp> {
  const tessera = config.tesseraUrl.replace(/\/+$/, '');
  const poolBase = `${tessera}/${config.poolId}`;
  const issuer = config.issuer ?? poolBase;
  const log = config.log ?? (() => {});
  const jwks = createRemoteJWKSet(new URL(`${poolBase}/.well-known/jwks.json`));
  // Sign-in is a public operation: the SDK signs it anyway, with any key.
  const cognito = new CognitoIdentityProviderClient({
    endpoint: tessera,
    region: config.region ?? config.poolId.split('_')[0] ?? 'us-east-1',
    credentials: { accessKeyId: 'anonymous', secretAccessKey: 'anonymous' },
    maxAttempts: 1,
  });
  const cerbos = new HTTP(config.cerbosUrl ?? tessera);
  const sessions = new Map<string, Session>();

  /** The seed's verify_jwt, in full: signature, issuer, audience (this client), expiry, and an ID token. */
  const verifyIdToken = async (token: string): Promise<JWTPayload> => {
    const { payload } = await jwtVerify(token, jwks, { issuer, audience: config.clientId, algorithms: ['RS256'] });
    if (payload.token_use !== 'id') throw new Error(`token_use is ${String(payload.token_use)}, not id`);
    return payload;
  };

  const send = (response: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string | string[]> = {}) => {
    response.writeHead(status, {
      'content-type': contentType,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      ...headers,
    });
    response.end(body);
  };
  const html = (response: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}) => send(response, status, 'text/html; charset=utf-8', body, headers);
  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    send(response, status, 'application/json; charset=utf-8', JSON.stringify(body, null, 2), headers);
  const redirect = (response: ServerResponse, location: string, headers: Record<string, string | string[]> = {}) => {
    response.writeHead(303, { location, 'cache-control': 'no-store', ...headers });
    response.end();
  };
  const sessionCookie = (value: string, maxAgeSeconds: number) => `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}`;

  const prune = () => {
    const now = Date.now();
    for (const [id, s] of sessions) if (s.expires <= now) sessions.delete(id);
  };
  const sessionOf = (request: IncomingMessage): Session | undefined => {
    const id = cookiesOf(request).get(SESSION_COOKIE);
    const session = id ? sessions.get(id) : undefined;
    if (session && session.expires <= Date.now()) {
      sessions.delete(id!);
      return undefined;
    }
    return session;
  };

  const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => Promise<void>> = {
    'GET /': async (request, response) => {
      if (sessionOf(request)) return redirect(response, '/user');
      html(response, 200, loginPage());
    },

    'POST /login': async (request, response) => {
      // A login posted from another site would sign this browser in as someone else.
      const origin = request.headers.origin;
      if (origin && origin !== 'null' && new URL(origin).host !== request.headers.host) return html(response, 403, loginPage('This form was posted from another site.'));
      const form = await readForm(request);
      const username = form?.get('username')?.trim() ?? '';
      const password = form?.get('password') ?? '';
      if (!username || !password) return html(response, 400, loginPage('Enter your email and password.'));
      let result;
      try {
        result = await cognito.send(new InitiateAuthCommand({ ClientId: config.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        if (name === 'NotAuthorizedException' || name === 'UserNotFoundException') return html(response, 401, loginPage('Incorrect username or password.'));
        if (name === 'PasswordResetRequiredException') return html(response, 400, loginPage('Password reset required.'));
        log(`sign-in of ${username} failed: ${name}: ${error instanceof Error ? error.message : String(error)}`);
        return html(response, 502, loginPage('Something went wrong.'));
      }
      const tokens = result.AuthenticationResult;
      if (!tokens?.IdToken || !tokens.AccessToken) {
        // The seed has no password-change page either (NEW_PASSWORD_REQUIRED after admin-create-user).
        return html(response, 400, loginPage(result.ChallengeName === 'NEW_PASSWORD_REQUIRED' ? 'Password change required.' : `Unsupported challenge ${result.ChallengeName ?? ''}.`));
      }
      const claims = await verifyIdToken(tokens.IdToken);
      prune();
      if (sessions.size >= MAX_SESSIONS) return html(response, 503, loginPage('Too many sessions. Try again later.'));
      const previous = cookiesOf(request).get(SESSION_COOKIE);
      if (previous) sessions.delete(previous);
      const id = randomBytes(32).toString('base64url');
      const expires = Math.min((claims.exp ?? 0) * 1000, Date.now() + (tokens.ExpiresIn ?? 3600) * 1000);
      sessions.set(id, { idToken: tokens.IdToken, accessToken: tokens.AccessToken, expires });
      redirect(response, '/user', { 'set-cookie': sessionCookie(id, Math.max(0, Math.floor((expires - Date.now()) / 1000))) });
    },

    'GET /user': async (request, response) => {
      const session = sessionOf(request);
      if (!session) return redirect(response, '/');
      let claims: JWTPayload;
      try {
        claims = await verifyIdToken(session.idToken);
      } catch (error) {
        log(`session token refused: ${error instanceof Error ? error.message : String(error)}`);
        return html(response, 403, page('Forbidden', '<p>Your token is not valid any more. <a href="/logout">Sign in again</a>.</p>'));
      }
      const userId = String(claims.sub);
      const roles = Array.isArray(claims['cognito:groups']) ? claims['cognito:groups'].map(String) : [];
      // The principal, as the seed builds it: the user's id and groups, plus an attribute.
      const principal: Principal = { id: userId, roles, attr: { email: String(claims.email ?? '') } };
      const cerbosRequest = contactsRequest(principal, userId);
      let cerbosResponse: CheckResourcesResponse;
      try {
        cerbosResponse = await cerbos.checkResources(cerbosRequest);
      } catch (error) {
        log(`Cerbos refused the check: ${error instanceof Error ? error.message : String(error)}`);
        return html(response, 403, page('Forbidden', '<p>Unauthorized.</p>'));
      }
      const decisions = decisionsOf(cerbosRequest, cerbosResponse);
      for (const d of decisions) log(`${userId} [${roles.join(',')}] contact ${d.id} (owner ${d.owner}): ${ACTIONS.map((a) => `${a}=${d.actions[a] ? 'ALLOW' : 'DENY'}`).join(' ')}`);
      const rows = decisions
        .map(
          (d) =>
            `<tr data-contact="${escapeHtml(d.id)}" data-owner="${escapeHtml(d.owner)}"><td><code>${escapeHtml(d.id)}</code> (owner <code>${escapeHtml(d.owner === userId ? 'you' : d.owner)}</code>)</td>${ACTIONS.map(
              (a) => `<td data-action="${a}" data-allowed="${d.actions[a]}" class="${d.actions[a] ? 'allowed' : 'denied'}">${d.actions[a] ? 'Yes' : 'No'}</td>`,
            ).join('')}</tr>`,
        )
        .join('\n');
      html(
        response,
        200,
        page(
          'Cerbos Cognito demo',
          `<p>Signed in as <strong data-user="${escapeHtml(String(claims.email ?? userId))}">${escapeHtml(String(claims.email ?? userId))}</strong>, groups <code data-roles="${escapeHtml(roles.join(','))}">${escapeHtml(roles.join(', ') || '(none)')}</code>. <a href="/logout">Log out</a></p>
<h2>User ID</h2><p><code>${escapeHtml(userId)}</code></p>
<h2>What Cerbos says</h2>
<table><thead><tr><th>Contact</th>${ACTIONS.map((a) => `<th>${a[0]!.toUpperCase()}${a.slice(1)}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table>
<p>An <code>admin</code> may do anything; a <code>user</code> may read any contact but update or delete only their own (<code>request.resource.attr.owner == request.principal.id</code>).</p>
<div class="columns">
<section><h3>ID token claims</h3><p>From the verified ID token: the principal's id is <code>sub</code>, its roles are <code>cognito:groups</code>.</p><pre>${pretty(claims)}</pre></section>
<section><h3>Cerbos request</h3><p>The principal and the two contacts (normally from your data store), sent with <code>@cerbos/http</code>'s <code>checkResources</code>.</p><pre>${pretty(cerbosRequest)}</pre></section>
<section><h3>Cerbos response</h3><p>Tessera's answer, as the Cerbos PDP gives it.</p><pre>${pretty(cerbosResponse)}</pre></section>
</div>`,
        ),
      );
    },

    'GET /logout': async (request, response) => {
      const id = cookiesOf(request).get(SESSION_COOKIE);
      if (id) sessions.delete(id);
      redirect(response, '/', { 'set-cookie': sessionCookie('', 0) });
    },

    // For API callers: the token goes to Tessera as auxData.jwt and Tessera builds the principal.
    'GET /contacts': async (request, response) => {
      const token = /^Bearer\s+([\w-]+\.[\w-]+\.[\w-]*)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
      const unauthorized = (invalid: boolean) => json(response, 401, { message: 'Unauthorized' }, { 'www-authenticate': `Bearer realm="seed-003"${invalid ? ', error="invalid_token"' : ''}` });
      if (!token) return unauthorized(false);
      // Read without verifying, only to know which contact is the caller's: Tessera verifies the token.
      let sub: string;
      try {
        sub = String(decodeJwt(token).sub ?? '');
      } catch {
        return unauthorized(true);
      }
      const cerbosRequest: CheckResourcesRequest = { ...contactsRequest({ id: '', roles: [] }, sub), auxData: { jwt: { token } } };
      let cerbosResponse: CheckResourcesResponse;
      try {
        cerbosResponse = await cerbos.checkResources(cerbosRequest);
      } catch (error) {
        if (isInvalidArgument(error)) {
          log(`token refused: ${error.details}`);
          return unauthorized(true);
        }
        throw error;
      }
      json(response, 200, { principal: sub, contacts: decisionsOf(cerbosRequest, cerbosResponse) });
    },
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://app.invalid');
    const method = request.method === 'HEAD' ? 'GET' : (request.method ?? 'GET');
    const handle = async () => {
      const route = routes[`${method} ${url.pathname}`];
      if (route) return route(request, response);
      const allowed = Object.keys(routes).filter((key) => key.endsWith(` ${url.pathname}`));
      if (allowed.length > 0) return json(response, 405, { message: 'Method Not Allowed' }, { allow: allowed.map((key) => key.split(' ')[0]).join(', ') });
      return json(response, 404, { message: 'Not Found' });
    };
    failClosed('seed-003 app', response, handle, json);
  });

  const url = await listen(server, config.host, config.port);
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        cognito.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Run directly: `POOL_ID=… CLIENT_ID=… node --import tsx examples/seed-003-contacts/app.ts`.
await runWhenMain(import.meta.url, () => startApp(configFromEnv()), (app) => `Seed 003 app listening on ${app.url}`);
