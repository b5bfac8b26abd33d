/**
 * Seed 004, "Using Cognito groups to control access to API endpoints", against Tessera: the browser
 * app. `/login` sends the user to the hosted UI (authorization code + PKCE S256 + state);
 * `/callback` exchanges the code at `/oauth2/token` with the client secret (HTTP Basic) and keeps the
 * access token server-side behind an HttpOnly session cookie. The signed-in page then calls the API
 * through Tessera's gateway with `Authorization: Bearer <access token>` and shows what it answered.
 *
 * The app decides nothing: the gateway does (tessera.yaml), in front of the API (api.ts). The app's
 * own `/movies`, `/shows`, `/lambda/movies` and `/lambda/shows` only relay the gateway's answer to
 * the browser, adding the session's token on the way.
 *
 * Run it with `npm run example:004` (Tessera, the gateway, the API and the authorizer included), or
 * alone with `node --import tsx examples/seed-004-movies-and-shows/app.ts` against a running
 * `tessera serve --demo --config examples/seed-004-movies-and-shows/tessera.yaml --gateway-port 7071`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, failClosed, listen, runWhenMain } from '../support/http-app.ts';

export interface AppConfig {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  host: string;
  /** The URL browsers reach this app at; `/callback` under it must be one of the client's callback URLs. Defaults to the listening address. */
  appUrl?: string;
  /** Tessera's base URL, e.g. http://127.0.0.1:7070 (browsers are sent there, and the app calls it). */
  tesseraUrl: string;
  /** Tessera's gateway, e.g. http://127.0.0.1:7071: the API's address. */
  gatewayUrl: string;
  poolId: string;
  clientId: string;
  clientSecret: string;
  scopes?: string[];
}

/** The demo data's pool and confidential client (src/config/demo.yaml), overridable through the environment. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const port = Number(env.PORT ?? 8000);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    appUrl: env.APP_URL ?? `http://localhost:${port}`,
    tesseraUrl: (env.TESSERA_URL ?? 'http://127.0.0.1:7070').replace(/\/+$/, ''),
    gatewayUrl: (env.GATEWAY_URL ?? 'http://127.0.0.1:7071').replace(/\/+$/, ''),
    poolId: env.POOL_ID ?? 'us-east-1_TesseraDemo',
    clientId: env.CLIENT_ID ?? 'demobackend000000000000001',
    clientSecret: env.CLIENT_SECRET ?? 'demo-backend-secret-change-me',
  };
}

/** The API, as the gateway routes it (tessera.yaml): each path, its authorizer and the group it needs. */
export const API_ROUTES: ReadonlyArray<{ path: string; authorizer: 'groups' | 'lambda'; group: string }> = [
  { path: '/movies', authorizer: 'groups', group: 'movies-group' },
  { path: '/shows', authorizer: 'groups', group: 'shows-group' },
  { path: '/lambda/movies', authorizer: 'lambda', group: 'movies-group' },
  { path: '/lambda/shows', authorizer: 'lambda', group: 'shows-group' },
];

const SESSION_COOKIE = 'seed004_session';
const LOGIN_COOKIE = 'seed004_login';
const LOGIN_TTL_MS = 10 * 60_000;
const MAX_PENDING = 10_000;

interface PendingLogin {
  state: string;
  verifier: string;
  expires: number;
}

interface Session {
  accessToken: string;
  username: string;
  expires: number;
}

export interface RunningApp {
  /** Where the server listens. */
  url: string;
  /** Where browsers are told it is (the redirect URI's base). */
  appUrl: string;
  server: Server;
  close(): Promise<void>;
}

const b64url = (bytes: Buffer) => bytes.toString('base64url');
const random = () => b64url(randomBytes(32));

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookiesOf(request: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a1a; }
a.button { display: inline-block; padding: .5rem 1rem; background: #2557d6; color: #fff; border-radius: .3rem; text-decoration: none; }
ul { padding-left: 1.2rem; } .allowed { color: #11713b; } .denied { color: #b3261e; } code { background: #f1f1f1; padding: 0 .2rem; }
</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

export async function startApp(config: AppConfig): Promise<RunningApp> {
  const tessera = config.tesseraUrl.replace(/\/+$/, '');
  const poolBase = `${tessera}/${config.poolId}`;
  const gateway = config.gatewayUrl.replace(/\/+$/, '');
  const scopes = config.scopes ?? ['openid', 'email', 'profile'];
  const pending = new Map<string, PendingLogin>();
  const sessions = new Map<string, Session>();
  let appUrl = config.appUrl?.replace(/\/+$/, '') ?? '';
  const secure = () => appUrl.startsWith('https:');
  const redirectUri = () => `${appUrl}/callback`;

  const setCookie = (response: ServerResponse, name: string, value: string, maxAgeSeconds: number) => {
    const previous = response.getHeader('set-cookie');
    const list = Array.isArray(previous) ? previous : previous === undefined ? [] : [String(previous)];
    list.push(`${name}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure() ? '; Secure' : ''}`);
    response.setHeader('set-cookie', list);
  };

  const send = (response: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}) => {
    response.writeHead(status, {
      'content-type': contentType,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      ...headers,
    });
    response.end(body);
  };
  const html = (response: ServerResponse, status: number, title: string, body: string) => send(response, status, 'text/html; charset=utf-8', page(title, body));
  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    send(response, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
  const redirect = (response: ServerResponse, location: string) => {
    response.writeHead(302, { location, 'cache-control': 'no-store' });
    response.end();
  };

  const prune = () => {
    const now = Date.now();
    for (const [id, p] of pending) if (p.expires <= now) pending.delete(id);
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

  /** One API call through the gateway, with the user's access token if there is one. */
  const callApi = async (path: string, accessToken: string | undefined) => {
    const res = await fetch(`${gateway}${path}`, {
      headers: { accept: 'application/json', ...(accessToken && { authorization: `Bearer ${accessToken}` }) },
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let body: { message?: string; items?: Array<{ title: string; year: number }> } = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') body = parsed as typeof body;
    } catch {
      // Not JSON: shown as a status only.
    }
    return { status: res.status, contentType: res.headers.get('content-type'), wwwAuthenticate: res.headers.get('www-authenticate'), text, body };
  };

  /** The signed-in page: who the user is, and what the gateway answered to each API call made with their token. */
  const renderSignedIn = async (response: ServerResponse, session: Session) => {
    const results = await Promise.all(API_ROUTES.map(async (route) => ({ ...route, result: await callApi(route.path, session.accessToken) })));
    const items = results
      .map(({ path, authorizer, group, result }) => {
        const ok = result.status === 200;
        const detail = ok
          ? `${escapeHtml(result.body.message ?? '')} ${escapeHtml((result.body.items ?? []).map((i) => i.title).join(', '))}`
          : escapeHtml(result.body.message ?? '');
        return `<li data-path="${escapeHtml(path)}" data-status="${result.status}"><a href="${escapeHtml(path)}"><code>GET ${escapeHtml(path)}</code></a> (${authorizer} authorizer, needs <code>${escapeHtml(group)}</code>): <span class="${ok ? 'allowed' : 'denied'}">${result.status}</span> ${detail}</li>`;
      })
      .join('\n');
    html(
      response,
      200,
      'Movies and shows',
      `<p>Signed in as <strong>${escapeHtml(session.username)}</strong>. The gateway at <code>${escapeHtml(gateway)}</code> answered your access token:</p>
<ul>${items}</ul>
<p>Groups are read from the token, so a group change shows after you sign in again.</p>
<p><a href="/login">Sign in again</a> · <a href="/logout">Sign out</a></p>`,
    );
  };

  const routes: Record<string, (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void>> = {
    '/': async (request, response) => {
      const session = sessionOf(request);
      if (session) return renderSignedIn(response, session);
      html(
        response,
        200,
        'Movies and shows',
        `<p>Example Corp.'s catalogue: people in <code>movies-group</code> may call <code>GET /movies</code>, people in <code>shows-group</code> may call <code>GET /shows</code>. Tessera's gateway checks every call.</p>
<p><a class="button" href="/login">Log in</a></p>
<p>Demo users: <code>alice</code> (movies) and <code>bob</code> (shows), password <code>Passw0rd!</code>.</p>`,
      );
    },

    '/login': async (_request, response) => {
      prune();
      if (pending.size >= MAX_PENDING) return html(response, 503, 'Busy', '<p>Too many logins in progress. Try again later.</p>');
      const loginId = random();
      const state = random();
      const verifier = random();
      pending.set(loginId, { state, verifier, expires: Date.now() + LOGIN_TTL_MS });
      const challenge = b64url(createHash('sha256').update(verifier).digest());
      const authorize = new URL(`${poolBase}/oauth2/authorize`);
      authorize.search = new URLSearchParams({
        response_type: 'code',
        client_id: config.clientId,
        redirect_uri: redirectUri(),
        scope: scopes.join(' '),
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString();
      setCookie(response, LOGIN_COOKIE, loginId, LOGIN_TTL_MS / 1000);
      redirect(response, authorize.href);
    },

    '/callback': async (request, response, url) => {
      const loginId = cookiesOf(request).get(LOGIN_COOKIE);
      const login = loginId ? pending.get(loginId) : undefined;
      // Single use, whatever happens next.
      if (loginId) pending.delete(loginId);
      setCookie(response, LOGIN_COOKIE, '', 0);
      const error = url.searchParams.get('error');
      if (error) return html(response, 400, 'Sign-in failed', `<p>${escapeHtml(error)}: ${escapeHtml(url.searchParams.get('error_description') ?? '')}</p><p><a href="/">Back</a></p>`);
      const code = url.searchParams.get('code');
      const state = url.searchParams.get('state');
      if (!login || login.expires <= Date.now() || !state || !sameString(state, login.state) || !code) {
        return html(response, 400, 'Sign-in failed', '<p>This sign-in was not started here, or it expired. <a href="/login">Start again</a>.</p>');
      }
      const tokenResponse = await fetch(`${poolBase}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          // client_secret_basic (RFC 6749 §2.3.1: each part form-encoded, then Base64).
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: login.verifier }).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      const tokens = (await tokenResponse.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
      if (!tokenResponse.ok || !tokens.access_token) {
        return html(response, 502, 'Sign-in failed', `<p>The token endpoint answered ${tokenResponse.status}: ${escapeHtml(tokens.error ?? '')} ${escapeHtml(tokens.error_description ?? '')}</p><p><a href="/login">Try again</a></p>`);
      }
      // The payload is only read here to greet the user; the gateway verifies the token on every call.
      const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1] ?? '', 'base64url').toString() || '{}') as { username?: string; sub?: string };
      const session: Session = { accessToken: tokens.access_token, username: claims.username ?? claims.sub ?? '?', expires: Date.now() + (tokens.expires_in ?? 3600) * 1000 };
      const previous = cookiesOf(request).get(SESSION_COOKIE);
      if (previous) sessions.delete(previous);
      const sessionId = random();
      prune();
      sessions.set(sessionId, session);
      setCookie(response, SESSION_COOKIE, sessionId, Math.floor((session.expires - Date.now()) / 1000));
      return renderSignedIn(response, session);
    },

    '/logout': async (request, response) => {
      const id = cookiesOf(request).get(SESSION_COOKIE);
      if (id) sessions.delete(id);
      setCookie(response, SESSION_COOKIE, '', 0);
      const logout = new URL(`${poolBase}/logout`);
      logout.search = new URLSearchParams({ client_id: config.clientId, logout_uri: appUrl }).toString();
      redirect(response, logout.href);
    },
  };

  /**
   * The browser's way to the API: the call goes to the gateway with the session's access token (none
   * without a session), and the gateway's answer comes back as it is. The token never reaches the
   * browser, and the app adds no decision of its own.
   */
  const relay = async (request: IncomingMessage, response: ServerResponse, path: string) => {
    const result = await callApi(path, sessionOf(request)?.accessToken);
    send(response, result.status, result.contentType ?? 'application/json; charset=utf-8', result.text, result.wwwAuthenticate ? { 'www-authenticate': result.wwwAuthenticate } : {});
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://app.invalid');
    const handle = async () => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return json(response, 405, { message: 'Method Not Allowed' }, { allow: 'GET, HEAD' });
      if (API_ROUTES.some((r) => r.path === url.pathname)) return relay(request, response, url.pathname);
      const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
      if (route) return route(request, response, url);
      return json(response, 404, { message: 'Not Found' });
    };
    failClosed('seed-004 app', response, handle, json);
  });

  const url = await listen(server, config.host, config.port);
  if (!appUrl) appUrl = url;
  return {
    url,
    appUrl,
    server,
    close: () => closeServer(server),
  };
}

// Run directly: `node --import tsx examples/seed-004-movies-and-shows/app.ts`.
await runWhenMain(import.meta.url, () => startApp(configFromEnv()), (app) => `Seed 004 app listening on ${app.url}; open ${app.appUrl}`);
