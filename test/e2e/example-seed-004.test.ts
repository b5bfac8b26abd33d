/**
 * The seed 004 example (examples/seed-004-movies-and-shows) end to end, without a browser: `tessera
 * serve --demo --config tessera.yaml --gateway-port 0` as its own process, the movies and shows API
 * and the seed's Lambda authorizer endpoint as the gateway's upstream and authorizer, the browser
 * app on a free port, and fetch playing the browser through the app's /login, Tessera's hosted UI
 * and the app's /callback.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AdminAddUserToGroupCommand,
  AdminListGroupsForUserCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowAppUrl } from '../../examples/support/allow-app-url.ts';
import { startApi, type RunningApi, type SeenRequest } from '../../examples/seed-004-movies-and-shows/api.ts';
import { startApp, type RunningApp } from '../../examples/seed-004-movies-and-shows/app.ts';
import { type AuthorizerEventV2, type RunningAuthorizer, startAuthorizerEndpoint } from '../../examples/seed-004-movies-and-shows/authorizer-endpoint.ts';
import { browserFetch, CookieJar, locationOf, signInThroughForm } from '../support/hosted-ui.ts';
import { freePort, type ServerProcess, startServerProcess } from '../support/process.ts';

const CONFIG = fileURLToPath(new URL('../../examples/seed-004-movies-and-shows/tessera.yaml', import.meta.url));
// The demo data (src/config/demo.yaml).
const POOL_ID = 'us-east-1_TesseraDemo';
const CLIENT_ID = 'demobackend000000000000001';
const CLIENT_SECRET = 'demo-backend-secret-change-me';
const SPA_CLIENT_ID = 'demospa0000000000000000001';
const PASSWORD = 'Passw0rd!';
const REGION = 'us-east-1';
// What demo mode accepts when no admin keys are configured (tessera.yaml lists none).
const DEMO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

const GROUP_ROUTES = ['/movies', '/shows'] as const;
const LAMBDA_ROUTES = ['/lambda/movies', '/lambda/shows'] as const;
const ALL_ROUTES = [...GROUP_ROUTES, ...LAMBDA_ROUTES];


interface GatewayAnswer {
  status: number;
  wwwAuthenticate: string | null;
  body: { message?: string; user?: string; path?: string; items?: unknown[] };
  /** What reached the API during this call (nothing when the gateway refused). */
  upstream: SeenRequest[];
  /** What the authorizer endpoint was asked during this call. */
  events: AuthorizerEventV2[];
}

describe('example: seed 004, Cognito groups guarding /movies and /shows through the gateway', () => {
  let dataDir: string;
  let tessera: ServerProcess;
  let gatewayUrl: string;
  let api: RunningApi;
  let authorizer: RunningAuthorizer;
  let app: RunningApp;
  let admin: CognitoIdentityProviderClient;
  let anonymous: CognitoIdentityProviderClient;
  const seen: SeenRequest[] = [];
  const events: AuthorizerEventV2[] = [];
  const authorizerLog: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-example-004-'));
    // A known port, so that the issuer (publicUrl) names it and the authorizer can be told before Tessera starts.
    const port = await freePort();
    const tesseraUrl = `http://127.0.0.1:${port}`;
    api = await startApi({ port: 0, onRequest: (r) => seen.push(r) });
    authorizer = await startAuthorizerEndpoint({
      port: 0,
      tesseraUrl,
      poolId: POOL_ID,
      clientId: CLIENT_ID,
      log: (m) => authorizerLog.push(m),
      onEvent: (e) => events.push(e),
    });
    // Empty admin keys keep demo mode's test/test; tessera.yaml reads the two URLs from the environment.
    tessera = await startServerProcess(['--port', String(port), '--demo', '--db', `sqlite:${join(dataDir, 'tessera.db')}`, '--config', CONFIG, '--gateway-port', '0'], {
      TESSERA_ACCESS_KEY_ID: '',
      TESSERA_SECRET_ACCESS_KEY: '',
      SEED004_API_URL: api.url,
      SEED004_AUTHORIZER_URL: authorizer.url,
    });
    expect(tessera.url).toBe(tesseraUrl);
    const announced = /Tessera gateway listening on (http:\/\/\S+)/.exec(tessera.output());
    expect(announced, tessera.output()).not.toBeNull();
    gatewayUrl = announced![1]!;
    app = await startApp({ port: 0, host: '127.0.0.1', tesseraUrl, gatewayUrl, poolId: POOL_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    // The demo client knows http://localhost:8000/callback; this run's app is elsewhere.
    await allowAppUrl({ tesseraUrl, region: REGION, credentials: DEMO_CREDENTIALS, poolId: POOL_ID, clientId: CLIENT_ID, appUrl: app.appUrl });
    admin = new CognitoIdentityProviderClient({ endpoint: tesseraUrl, region: REGION, credentials: DEMO_CREDENTIALS, maxAttempts: 1 });
    anonymous = new CognitoIdentityProviderClient({ endpoint: tesseraUrl, region: REGION, credentials: { accessKeyId: 'anonymous', secretAccessKey: 'anonymous' }, maxAttempts: 1 });
  }, 120_000);

  afterAll(async () => {
    admin?.destroy();
    anonymous?.destroy();
    await app?.close();
    await tessera?.stop();
    await authorizer?.close();
    await api?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** One call to the gateway, with what it caused upstream and at the authorizer. */
  async function gw(path: string, token?: string, headers: Record<string, string> = {}): Promise<GatewayAnswer> {
    const [seenBefore, eventsBefore] = [seen.length, events.length];
    const res = await fetch(`${gatewayUrl}${path}`, { headers: { ...headers, ...(token !== undefined && { authorization: `Bearer ${token}` }) } });
    const body = (await res.json()) as GatewayAnswer['body'];
    return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), body, upstream: seen.slice(seenBefore), events: events.slice(eventsBefore) };
  }

  /** Tokens through the API (USER_PASSWORD_AUTH with the secret hash) rather than the browser. */
  async function apiSignIn(username: string, clientId = CLIENT_ID, secret: string | undefined = CLIENT_SECRET) {
    const SECRET_HASH = secret ? createHmac('sha256', secret).update(username + clientId).digest('base64') : undefined;
    const r = await anonymous.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD, ...(SECRET_HASH && { SECRET_HASH }) } }),
    );
    return { accessToken: r.AuthenticationResult!.AccessToken!, idToken: r.AuthenticationResult!.IdToken! };
  }

  /** A browser: one cookie jar (the app and Tessera share a host, and cookies ignore ports). */
  interface Browser {
    jar: CookieJar;
    /** The page /callback rendered. */
    page: string;
  }

  /** GET /login on the app → Tessera's hosted UI → the login form → /callback on the app. */
  async function logIn(username: string, jar = new CookieJar()): Promise<Browser> {
    const start = await browserFetch(`${app.url}/login`, jar);
    expect(start.status).toBe(302);
    const authorize = locationOf(start, `${app.url}/login`);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${tessera.url}/${POOL_ID}/oauth2/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ response_type: 'code', client_id: CLIENT_ID, code_challenge_method: 'S256', redirect_uri: `${app.appUrl}/callback` });
    const callback = await signInThroughForm(authorize, username, PASSWORD, jar);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${app.appUrl}/callback`);
    expect(callback.searchParams.get('state')).toBe(authorize.searchParams.get('state'));
    const landed = await browserFetch(callback, jar);
    const page = await landed.text();
    expect(landed.status, page).toBe(200);
    expect(page).toContain(`Signed in as <strong>${username}</strong>`);
    return { jar, page };
  }

  /** What the signed-in page says the gateway answered for each path. */
  const listed = (page: string) => Object.fromEntries([...page.matchAll(/data-path="([^"]+)" data-status="(\d+)"/g)].map((m) => [m[1]!, Number(m[2])]));

  /** The API through the app, with the browser's session cookie (the app adds the token and relays the gateway's answer). */
  async function viaApp(path: string, jar: CookieJar) {
    const res = await browserFetch(`${app.url}${path}`, jar);
    return { status: res.status, body: (await res.json()) as GatewayAnswer['body'] };
  }

  it('starts the gateway from tessera.yaml on top of the demo data, and demo mode keeps its test/test admin key', async () => {
    expect(gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gatewayUrl).not.toBe(tessera.url);
    // The gateway line comes first, then Tessera's (what the example's runner waits for).
    expect(tessera.output().indexOf('Tessera gateway listening on')).toBeLessThan(tessera.output().indexOf('Tessera listening on'));
    const pool = await admin.send(new DescribeUserPoolCommand({ UserPoolId: POOL_ID }));
    expect(pool.UserPool?.Id).toBe(POOL_ID);
    // The API and the authorizer listen on loopback only.
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    expect(authorizer.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });

  it('links to login, and /login sends the browser to the authorize endpoint with a code request, PKCE S256 and state', async () => {
    const home = await fetch(`${app.url}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('href="/login"');

    const jar = new CookieJar();
    const first = locationOf(await browserFetch(`${app.url}/login`, jar), app.url);
    expect(Object.fromEntries(first.searchParams)).toEqual({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: `${app.appUrl}/callback`,
      scope: 'openid email profile',
      state: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge_method: 'S256',
    });
    // The login is bound to the browser by an HttpOnly cookie; every login gets its own state and challenge.
    expect(jar.cookies.has('seed004_login')).toBe(true);
    const second = locationOf(await browserFetch(`${app.url}/login`, jar), app.url);
    expect(second.searchParams.get('state')).not.toBe(first.searchParams.get('state'));
    expect(second.searchParams.get('code_challenge')).not.toBe(first.searchParams.get('code_challenge'));
  });

  it('answers 401 with a Bearer challenge without a token, on every route, and asks neither the API nor the authorizer', async () => {
    for (const path of ALL_ROUTES) {
      const bare = await gw(path);
      expect(bare.status, path).toBe(401);
      expect(bare.body).toEqual({ message: 'Unauthorized' });
      expect(bare.wwwAuthenticate).toMatch(/^Bearer realm="[^"]+"$/);
      expect(bare.upstream).toEqual([]);
      expect(bare.events).toEqual([]);
      // A browser that has not signed in gets the same through the app.
      expect(await viaApp(path, new CookieJar())).toEqual({ status: 401, body: { message: 'Unauthorized' } });
    }
    // Not a route of the gateway: 404, and the API never hears of it.
    const unknown = await gw('/cinemas', 'whatever');
    expect(unknown.status).toBe(404);
    expect(unknown.upstream).toEqual([]);
  });

  describe('Alice in movies-group, Bob in shows-group', () => {
    let alice: Browser;

    it('Alice signs in through the hosted UI; through the gateway she gets /movies (200) but not /shows (403), on both authorizers', async () => {
      alice = await logIn('alice');
      // The session cookie is HttpOnly; the token itself stays on the server.
      expect(alice.jar.cookies.has('seed004_session')).toBe(true);
      expect(alice.page).not.toMatch(/eyJ[\w-]+\.eyJ/);
      expect(listed(alice.page)).toEqual({ '/movies': 200, '/shows': 403, '/lambda/movies': 200, '/lambda/shows': 403 });
      for (const path of ['/movies', '/lambda/movies']) {
        const movies = await viaApp(path, alice.jar);
        expect(movies.status, path).toBe(200);
        expect(movies.body).toMatchObject({ path, user: 'alice' });
        expect(movies.body.items!.length).toBeGreaterThan(0);
      }
      for (const path of ['/shows', '/lambda/shows']) expect(await viaApp(path, alice.jar)).toEqual({ status: 403, body: { message: 'Forbidden' } });
    });

    it('Bob signs in and gets /shows but not /movies', async () => {
      const bob = await logIn('bob');
      expect(listed(bob.page)).toEqual({ '/movies': 403, '/shows': 200, '/lambda/movies': 403, '/lambda/shows': 200 });
      expect((await viaApp('/shows', bob.jar)).body.user).toBe('bob');
      expect(await viaApp('/movies', bob.jar)).toEqual({ status: 403, body: { message: 'Forbidden' } });
    });

    it('with Bearer tokens at the gateway: the API sees only allowed calls, with the verified identity', async () => {
      const a = await apiSignIn('alice');
      const b = await apiSignIn('bob');
      expect(decodeJwt(a.accessToken)['cognito:groups']).toContain('movies-group');

      const aliceMovies = await gw('/movies', a.accessToken);
      expect(aliceMovies.status).toBe(200);
      expect(aliceMovies.body.user).toBe('alice');
      expect(aliceMovies.upstream).toHaveLength(1);
      expect(aliceMovies.upstream[0]).toMatchObject({ method: 'GET', path: '/movies' });
      expect(aliceMovies.upstream[0]!.headers['x-tessera-username']).toBe('alice');
      expect(aliceMovies.upstream[0]!.headers['x-tessera-groups']!.toString().split(',')).toContain('movies-group');
      expect(aliceMovies.upstream[0]!.headers['x-tessera-sub']).toBe(decodeJwt(a.accessToken).sub);
      expect(aliceMovies.events).toEqual([]);

      const aliceShows = await gw('/shows', a.accessToken);
      expect(aliceShows).toMatchObject({ status: 403, body: { message: 'Forbidden' }, upstream: [] });

      const bobShows = await gw('/shows', b.accessToken);
      expect(bobShows.status).toBe(200);
      expect(bobShows.upstream[0]!.headers['x-tessera-username']).toBe('bob');
      expect(await gw('/movies', b.accessToken)).toMatchObject({ status: 403, upstream: [] });

      // The Lambda routes: the seed's authorizer decides; its context reaches the API as x-tessera-authorizer-*.
      const lambdaMovies = await gw('/lambda/movies', a.accessToken);
      expect(lambdaMovies.status).toBe(200);
      expect(lambdaMovies.events).toHaveLength(1);
      expect(lambdaMovies.upstream).toHaveLength(1);
      expect(lambdaMovies.upstream[0]).toMatchObject({ method: 'GET', path: '/lambda/movies' });
      expect(lambdaMovies.upstream[0]!.headers['x-tessera-authorizer-username']).toBe('alice');
      expect(lambdaMovies.body.user).toBe('alice');
      const lambdaShows = await gw('/lambda/shows', a.accessToken);
      expect(lambdaShows).toMatchObject({ status: 403, body: { message: 'Forbidden' }, upstream: [] });
      expect(lambdaShows.events).toHaveLength(1);
      expect((await gw('/lambda/shows', b.accessToken)).status).toBe(200);
      expect(await gw('/lambda/movies', b.accessToken)).toMatchObject({ status: 403, upstream: [] });
    });

    it("hands the authorizer API Gateway's payload 2.0, and caches its answer per token and route", async () => {
      const { accessToken } = await apiSignIn('alice');
      const first = await gw('/lambda/movies?season=1', accessToken, { 'user-agent': 'seed-004-test' });
      expect(first.status).toBe(200);
      expect(first.events).toHaveLength(1);
      const event = first.events[0]!;
      expect(event).toMatchObject({
        version: '2.0',
        type: 'REQUEST',
        routeKey: 'GET /lambda/movies',
        rawPath: '/lambda/movies',
        rawQueryString: 'season=1',
        queryStringParameters: { season: '1' },
        identitySource: [`Bearer ${accessToken}`],
        headers: { authorization: `Bearer ${accessToken}`, 'user-agent': 'seed-004-test' },
        requestContext: { routeKey: 'GET /lambda/movies', http: { method: 'GET', path: '/lambda/movies', userAgent: 'seed-004-test' } },
      });
      expect(event.routeArn).toMatch(/^arn:aws:execute-api:us-east-1:\d{12}:[^/]+\/[^/]+\/GET\/lambda\/movies$/);
      expect(event.requestContext.timeEpoch).toBeGreaterThan(Date.now() - 60_000);
      // The same token on the same route again: the cached answer, the authorizer is not asked.
      const second = await gw('/lambda/movies', accessToken);
      expect(second.status).toBe(200);
      expect(second.events).toEqual([]);
      expect(second.upstream).toHaveLength(1);
    });

    it('a client-sent x-tessera-* header grants nothing and never reaches the API', async () => {
      const { accessToken } = await apiSignIn('alice');
      const spoofed = {
        'x-tessera-groups': 'shows-group',
        'x-tessera-username': 'bob',
        x_tessera_groups: 'shows-group',
        'x-tessera-authorizer-username': 'bob',
        'x-tessera-authorizer-groups': 'shows-group',
      };
      for (const path of ['/shows', '/lambda/shows']) {
        const refused = await gw(path, accessToken, spoofed);
        expect(refused, path).toMatchObject({ status: 403, body: { message: 'Forbidden' }, upstream: [] });
      }
      // Without a token the header is no token either.
      expect(await gw('/shows', undefined, spoofed)).toMatchObject({ status: 401, upstream: [] });

      // On a route she may call, the API gets the gateway's values, not hers.
      const movies = await gw('/movies', accessToken, spoofed);
      expect(movies.status).toBe(200);
      const headers = movies.upstream[0]!.headers;
      expect(headers['x-tessera-username']).toBe('alice');
      expect(headers['x-tessera-groups']!.toString().split(',')).not.toContain('shows-group');
      expect(headers['x_tessera_groups']).toBeUndefined();
      expect(headers['x-tessera-authorizer-username']).toBeUndefined();
      expect(movies.body.user).toBe('alice');

      const lambdaMovies = await gw('/lambda/movies', accessToken, spoofed);
      expect(lambdaMovies.status).toBe(200);
      expect(lambdaMovies.upstream[0]!.headers['x-tessera-authorizer-username']).toBe('alice');
      expect(lambdaMovies.upstream[0]!.headers['x-tessera-authorizer-groups']!.toString().split(',')).not.toContain('shows-group');
      expect(lambdaMovies.upstream[0]!.headers['x-tessera-username']).toBeUndefined();
      // The authorizer did not see them either (when it was asked; the answer may come from the cache).
      for (const e of events) expect(Object.keys(e.headers).filter((h) => /^x.tessera/i.test(h))).toEqual([]);
    });

    it('refuses an ID token, another client’s token, a forged token and garbage: 401 on the groups routes, 403 from the Lambda authorizer', async () => {
      const a = await apiSignIn('alice');
      const spa = await apiSignIn('alice', SPA_CLIENT_ID, undefined);
      expect(decodeJwt(spa.accessToken)).toMatchObject({ client_id: SPA_CLIENT_ID, 'cognito:groups': expect.arrayContaining(['movies-group']) });
      const [header, , signature] = a.accessToken.split('.');
      const claims = { ...decodeJwt(a.accessToken), 'cognito:groups': ['movies-group', 'shows-group'] };
      const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
      const logBefore = authorizerLog.length;

      for (const [name, token, path] of [
        ['id token', a.idToken, 'movies'],
        ['spa client', spa.accessToken, 'movies'],
        ['forged', forged, 'shows'],
        ['garbage', 'not-a-jwt', 'movies'],
      ] as const) {
        const builtIn = await gw(`/${path}`, token);
        expect(builtIn.status, name).toBe(401);
        expect(builtIn.body).toEqual({ message: 'Unauthorized' });
        expect(builtIn.wwwAuthenticate, name).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/);
        expect(builtIn.upstream).toEqual([]);
        // An HTTP API with a Lambda authorizer answers 403 to { isAuthorized: false }, whatever the reason.
        const lambda = await gw(`/lambda/${path}`, token);
        expect(lambda, name).toMatchObject({ status: 403, body: { message: 'Forbidden' }, upstream: [] });
        expect(lambda.events).toHaveLength(1);
      }
      // The seed's authorizer refused each for its own reason.
      const lines = authorizerLog.slice(logBefore);
      expect(lines).toEqual([
        expect.stringMatching(/^\/lambda\/movies: token not valid .*Token use not allowed: id/),
        expect.stringMatching(new RegExp(`^/lambda/movies: token not valid .*Client ID not allowed: ${SPA_CLIENT_ID}`)),
        expect.stringMatching(/^\/lambda\/shows: token not valid \(Invalid signature\)/),
        expect.stringMatching(/^\/lambda\/movies: token not valid/),
      ]);
    });

    it('gives Alice /shows only after a new sign-in once she is added to shows-group', async () => {
      const oldToken = (await apiSignIn('alice')).accessToken;
      await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: POOL_ID, Username: 'alice', GroupName: 'shows-group' }));
      const groups = (await admin.send(new AdminListGroupsForUserCommand({ UserPoolId: POOL_ID, Username: 'alice' }))).Groups!.map((g) => g.GroupName);
      expect(groups).toEqual(expect.arrayContaining(['movies-group', 'shows-group']));

      // Her tokens from before still say movies-group only. This token was never shown to the
      // Lambda routes, so the authorizer is asked, and says no.
      expect(await gw('/shows', oldToken)).toMatchObject({ status: 403, upstream: [] });
      const oldShows = await gw('/lambda/shows', oldToken);
      expect(oldShows).toMatchObject({ status: 403, upstream: [] });
      expect(oldShows.events).toHaveLength(1);
      expect((await gw('/movies', oldToken)).status).toBe(200);
      expect(listed(await (await browserFetch(`${app.url}/`, alice.jar)).text())).toEqual({ '/movies': 200, '/shows': 403, '/lambda/movies': 200, '/lambda/shows': 403 });

      // A new sign-in gets tokens with both groups, and both endpoints on both authorizers.
      const fresh = (await apiSignIn('alice')).accessToken;
      expect(decodeJwt(fresh)['cognito:groups']).toEqual(expect.arrayContaining(['movies-group', 'shows-group']));
      for (const path of ALL_ROUTES) expect((await gw(path, fresh)).status, path).toBe(200);
      const shows = await gw('/shows', fresh);
      expect(shows.upstream[0]!.headers['x-tessera-groups']!.toString().split(',')).toEqual(expect.arrayContaining(['movies-group', 'shows-group']));

      // The old browser signs in again; Tessera remembers it, so no form, and the page shows both allowed.
      const start = await browserFetch(`${app.url}/login`, alice.jar);
      const authorize = locationOf(start, app.url);
      const skipped = await browserFetch(authorize, alice.jar);
      expect(skipped.status).toBe(302);
      const callback = locationOf(skipped, authorize);
      expect(`${callback.origin}${callback.pathname}`).toBe(`${app.appUrl}/callback`);
      const landed = await browserFetch(callback, alice.jar);
      expect(landed.status).toBe(200);
      expect(listed(await landed.text())).toEqual({ '/movies': 200, '/shows': 200, '/lambda/movies': 200, '/lambda/shows': 200 });
      expect((await viaApp('/shows', alice.jar)).status).toBe(200);
      expect((await viaApp('/lambda/shows', alice.jar)).status).toBe(200);
    });
  });

  it('refuses a callback whose state does not match, and a replayed callback', async () => {
    const jar = new CookieJar();
    const authorize = locationOf(await browserFetch(`${app.url}/login`, jar), app.url);
    const callback = await signInThroughForm(authorize, 'bob', PASSWORD, jar);
    const tampered = new URL(callback);
    tampered.searchParams.set('state', 'someone-elses-state');
    expect((await browserFetch(tampered, jar)).status).toBe(400);
    // The login was spent by the failed attempt; the genuine callback cannot be used after it either.
    expect((await browserFetch(callback, jar)).status).toBe(400);
    expect(jar.cookies.has('seed004_session')).toBe(false);
  });
});
