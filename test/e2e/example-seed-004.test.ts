/**
 * The seed 004 example (examples/seed-004-movies-and-shows) end to end, without a browser: `tessera
 * serve --demo` as its own process, the example app on a free port, and fetch playing the browser
 * through the app's /login, Tessera's hosted UI and the app's /callback.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminListGroupsForUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowAppUrl } from '../../examples/seed-004-movies-and-shows/allow-app-url.ts';
import { startApp, type RunningApp } from '../../examples/seed-004-movies-and-shows/app.ts';
import { browserFetch, CookieJar, locationOf, signInThroughForm } from '../support/hosted-ui.ts';
import { startServerProcess, type ServerProcess } from '../support/process.ts';

// The demo data (src/config/demo.yaml).
const POOL_ID = 'us-east-1_TesseraDemo';
const CLIENT_ID = 'demobackend000000000000001';
const CLIENT_SECRET = 'demo-backend-secret-change-me';
const SPA_CLIENT_ID = 'demospa0000000000000000001';
const PASSWORD = 'Passw0rd!';
const REGION = 'us-east-1';
// What demo mode accepts when no admin keys are configured.
const DEMO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('example: seed 004, Cognito groups guarding /movies and /shows', () => {
  let dataDir: string;
  let tessera: ServerProcess;
  let app: RunningApp;
  let admin: CognitoIdentityProviderClient;
  let anonymous: CognitoIdentityProviderClient;
  const authorizerLog: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-example-004-'));
    // A known port, so that the issuer (publicUrl) names it; empty admin keys keep demo mode's test/test.
    const port = await freePort();
    tessera = await startServerProcess(['--port', String(port), '--demo', '--db', `sqlite:${join(dataDir, 'tessera.db')}`], { TESSERA_ACCESS_KEY_ID: '', TESSERA_SECRET_ACCESS_KEY: '' });
    expect(tessera.url).toBe(`http://127.0.0.1:${port}`);
    app = await startApp({ port: 0, host: '127.0.0.1', tesseraUrl: tessera.url, poolId: POOL_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, log: (m) => authorizerLog.push(m) });
    // The demo client knows http://localhost:8000/callback; this run's app is elsewhere.
    await allowAppUrl({ tesseraUrl: tessera.url, region: REGION, credentials: DEMO_CREDENTIALS, poolId: POOL_ID, clientId: CLIENT_ID, appUrl: app.appUrl });
    admin = new CognitoIdentityProviderClient({ endpoint: tessera.url, region: REGION, credentials: DEMO_CREDENTIALS, maxAttempts: 1 });
    anonymous = new CognitoIdentityProviderClient({ endpoint: tessera.url, region: REGION, credentials: { accessKeyId: 'anonymous', secretAccessKey: 'anonymous' }, maxAttempts: 1 });
  }, 120_000);

  afterAll(async () => {
    admin?.destroy();
    anonymous?.destroy();
    await app?.close();
    await tessera?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

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
    const callback = await signInThroughForm(authorize, username, PASSWORD, jar);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${app.appUrl}/callback`);
    expect(callback.searchParams.get('state')).toBe(authorize.searchParams.get('state'));
    const landed = await browserFetch(callback, jar);
    const page = await landed.text();
    expect(landed.status, page).toBe(200);
    expect(page).toContain(`Signed in as <strong>${username}</strong>`);
    return { jar, page };
  }

  /** What the signed-in page says about each path. */
  const listed = (page: string) => Object.fromEntries([...page.matchAll(/data-path="([^"]+)" data-allowed="(true|false)"/g)].map((m) => [m[1]!, m[2] === 'true']));

  /** Calls the API with the browser's session cookie. */
  async function call(path: string, jar: CookieJar): Promise<{ status: number; body: { message?: string; items?: unknown[]; user?: string } }> {
    const res = await browserFetch(`${app.url}${path}`, jar);
    return { status: res.status, body: (await res.json()) as { message?: string; items?: unknown[]; user?: string } };
  }

  /** Calls the API with `Authorization: Bearer …`. */
  async function callWith(path: string, token: string): Promise<number> {
    const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    return res.status;
  }

  /** Tokens through the API (USER_PASSWORD_AUTH) rather than the browser, to present them as Bearer tokens. */
  async function apiSignIn(username: string, clientId = CLIENT_ID, secret: string | undefined = CLIENT_SECRET) {
    const SECRET_HASH = secret ? createHmac('sha256', secret).update(username + clientId).digest('base64') : undefined;
    const r = await anonymous.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD, ...(SECRET_HASH && { SECRET_HASH }) } }),
    );
    return { accessToken: r.AuthenticationResult!.AccessToken!, idToken: r.AuthenticationResult!.IdToken! };
  }

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

  it('answers 401 without a token, with a malformed one, and for an unsigned-in browser', async () => {
    for (const path of ['/movies', '/shows']) {
      const bare = await fetch(`${app.url}${path}`);
      expect(bare.status).toBe(401);
      expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(await bare.json()).toEqual({ message: 'Unauthorized' });
      expect(await callWith(path, 'not-a-jwt')).toBe(401);
      expect((await call(path, new CookieJar())).status).toBe(401);
    }
    expect((await fetch(`${app.url}/cinemas`)).status).toBe(404);
  });

  describe('Alice in movies-group, Bob in shows-group', () => {
    let alice: Browser;

    it('Alice signs in through the hosted UI and may call /movies but not /shows', async () => {
      alice = await logIn('alice');
      // The session cookie is HttpOnly; the token itself stays on the server.
      expect(alice.jar.cookies.has('seed004_session')).toBe(true);
      expect(alice.page).not.toMatch(/eyJ[\w-]+\.eyJ/);
      expect(listed(alice.page)).toEqual({ '/movies': true, '/shows': false });
      const movies = await call('/movies', alice.jar);
      expect(movies.status).toBe(200);
      expect(movies.body.user).toBe('alice');
      expect(movies.body.items!.length).toBeGreaterThan(0);
      expect(await call('/shows', alice.jar)).toEqual({ status: 403, body: { message: 'Forbidden' } });
    });

    it('Bob signs in and may call /shows but not /movies', async () => {
      const bob = await logIn('bob');
      expect(listed(bob.page)).toEqual({ '/movies': false, '/shows': true });
      expect((await call('/shows', bob.jar)).status).toBe(200);
      expect(await call('/movies', bob.jar)).toEqual({ status: 403, body: { message: 'Forbidden' } });
    });

    it('decides the same way for Bearer access tokens, and refuses an ID token', async () => {
      const a = await apiSignIn('alice');
      const b = await apiSignIn('bob');
      expect(decodeJwt(a.accessToken)['cognito:groups']).toContain('movies-group');
      expect(await callWith('/movies', a.accessToken)).toBe(200);
      expect(await callWith('/shows', a.accessToken)).toBe(403);
      expect(await callWith('/shows', b.accessToken)).toBe(200);
      expect(await callWith('/movies', b.accessToken)).toBe(403);
      // The ID token carries the same groups, but the authorizer wants access tokens.
      expect(decodeJwt(a.idToken)['cognito:groups']).toContain('movies-group');
      for (const path of ['/movies', '/shows']) {
        expect(await callWith(path, a.idToken)).toBe(401);
        expect(await callWith(path, b.idToken)).toBe(401);
      }
      expect(authorizerLog.filter((line) => line.includes('Token use not allowed: id'))).toHaveLength(4);
    });

    it('refuses (401) a token of another pool, of another client, and one whose groups were edited', async () => {
      // Another pool, with a movies-group and an alice of its own: only the issuer is wrong.
      const poolId = (await admin.send(new CreateUserPoolCommand({ PoolName: 'elsewhere' }))).UserPool!.Id!;
      const clientId = (await admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }))).UserPoolClient!.ClientId!;
      await admin.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'movies-group' }));
      await admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'alice', MessageAction: 'SUPPRESS' }));
      await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'alice', Password: PASSWORD, Permanent: true }));
      await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'alice', GroupName: 'movies-group' }));
      const r = await anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD } }));
      const foreign = r.AuthenticationResult!.AccessToken!;
      expect(decodeJwt(foreign)).toMatchObject({ iss: `${tessera.url}/${poolId}`, 'cognito:groups': ['movies-group'], token_use: 'access' });
      expect(await callWith('/movies', foreign)).toBe(401);

      // The same pool, but the SPA client's token: not the API's client.
      const spa = await apiSignIn('alice', SPA_CLIENT_ID, undefined);
      expect(decodeJwt(spa.accessToken)).toMatchObject({ client_id: SPA_CLIENT_ID, 'cognito:groups': expect.arrayContaining(['movies-group']) });
      expect(await callWith('/movies', spa.accessToken)).toBe(401);

      // Alice's real token with shows-group written into it: the signature no longer holds.
      const own = await apiSignIn('alice');
      const [header, , signature] = own.accessToken.split('.');
      const claims = { ...decodeJwt(own.accessToken), 'cognito:groups': ['movies-group', 'shows-group'] };
      const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
      expect(await callWith('/shows', forged)).toBe(401);
      expect(await callWith('/movies', forged)).toBe(401);
      // Each was refused for its own reason: a key the pool never had, another client, a broken signature.
      expect(authorizerLog.some((line) => line.startsWith('/movies: token not valid') && /kid .* not found in the JWKS/.test(line))).toBe(true);
      expect(authorizerLog.some((line) => line.includes(`Client ID not allowed: ${SPA_CLIENT_ID}`))).toBe(true);
      expect(authorizerLog.some((line) => line.startsWith('/shows: token not valid (Invalid signature)'))).toBe(true);
    });

    it('refuses a callback whose state does not match, and a replayed callback', async () => {
      const jar = new CookieJar();
      const authorize = locationOf(await browserFetch(`${app.url}/login`, jar), app.url);
      const callback = await signInThroughForm(authorize, 'alice', PASSWORD, jar);
      const tampered = new URL(callback);
      tampered.searchParams.set('state', 'someone-elses-state');
      expect((await browserFetch(tampered, jar)).status).toBe(400);
      // The login was spent by the failed attempt; the genuine callback cannot be used after it either.
      expect((await browserFetch(callback, jar)).status).toBe(400);
      expect(jar.cookies.has('seed004_session')).toBe(false);
    });

    it('gives Alice /shows only after a new login once she is added to shows-group', async () => {
      const oldToken = (await apiSignIn('alice')).accessToken;
      await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: POOL_ID, Username: 'alice', GroupName: 'shows-group' }));
      const groups = (await admin.send(new AdminListGroupsForUserCommand({ UserPoolId: POOL_ID, Username: 'alice' }))).Groups!.map((g) => g.GroupName);
      expect(groups).toEqual(expect.arrayContaining(['movies-group', 'shows-group']));

      // Her tokens from before still say movies-group only.
      expect(await call('/shows', alice.jar)).toEqual({ status: 403, body: { message: 'Forbidden' } });
      expect((await call('/movies', alice.jar)).status).toBe(200);
      expect(await callWith('/shows', oldToken)).toBe(403);

      // A new login, in a new browser, types the password again and gets tokens with both groups.
      const fresh = await logIn('alice');
      expect(listed(fresh.page)).toEqual({ '/movies': true, '/shows': true });
      expect((await call('/movies', fresh.jar)).status).toBe(200);
      expect((await call('/shows', fresh.jar)).status).toBe(200);

      // The old browser signs in again too; Tessera remembers it, so no form, and the new tokens have both groups.
      const start = await browserFetch(`${app.url}/login`, alice.jar);
      const authorize = locationOf(start, app.url);
      const skipped = await browserFetch(authorize, alice.jar);
      expect(skipped.status).toBe(302);
      const callback = locationOf(skipped, authorize);
      expect(`${callback.origin}${callback.pathname}`).toBe(`${app.appUrl}/callback`);
      const landed = await browserFetch(callback, alice.jar);
      expect(landed.status).toBe(200);
      expect(listed(await landed.text())).toEqual({ '/movies': true, '/shows': true });
      expect((await call('/shows', alice.jar)).status).toBe(200);
    });
  });
});
