/**
 * The seed 000 example (examples/seed-000-permit-hello) end to end, without a browser: `tessera serve
 * --demo` as its own process, the example app on a free port, and Node playing the browser. The
 * browser app's own functions (public/app.mjs: the /login URL with PKCE and state, the code exchange
 * as a public client, the calls to the backend) run here with an in-memory sessionStorage, and the
 * hosted UI's form is filled in with fetch. Permit's side is read with the real `permitio` SDK.
 */
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { Permit, PermitApiError } from 'permitio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowAppUrl } from '../../examples/support/allow-app-url.ts';
import { type BrowserConfig, DEMO_PERMIT_API_KEY, type RunningApp, startApp, TOKEN_NOT_VALID } from '../../examples/seed-000-permit-hello/app.ts';
import { CookieJar, signInThroughForm } from '../support/hosted-ui.ts';
import { expectPortFree, freePort, type ServerProcess, startServerProcess } from '../support/process.ts';

const RUN = fileURLToPath(new URL('../../examples/seed-000-permit-hello/run.mjs', import.meta.url));
const SPA_MODULE = new URL('../../examples/seed-000-permit-hello/public/app.mjs', import.meta.url);

// The demo data (src/config/demo.yaml).
const POOL_ID = 'us-east-1_TesseraDemo';
const SPA_CLIENT_ID = 'demospa0000000000000000001';
const BACKEND_CLIENT_ID = 'demobackend000000000000001';
const BACKEND_CLIENT_SECRET = 'demo-backend-secret-change-me';
const PASSWORD = 'Passw0rd!';
const REGION = 'us-east-1';
// What demo mode accepts when no admin keys are configured.
const DEMO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

interface Tokens {
  access_token: string;
  id_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
}
interface ApiAnswer {
  status: number;
  ok: boolean;
  text: string;
}
type SessionStorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** What the browser app (public/app.mjs) exports. */
interface Spa {
  loginUrl(config: BrowserConfig, o: { storage: SessionStorageLike; redirectUri: string }): Promise<string>;
  logoutUrl(config: BrowserConfig, o: { logoutUri: string }): string;
  exchangeCode(config: BrowserConfig, o: { storage: SessionStorageLike; redirectUri: string; searchParams: URLSearchParams }): Promise<Tokens>;
  syncUser(apiBase: string, tokens: Tokens): Promise<ApiAnswer>;
  whoAmI(apiBase: string, tokens: Tokens): Promise<ApiAnswer>;
  hello(apiBase: string, action: 'say' | 'wave', tokens: Tokens): Promise<ApiAnswer>;
}

/** A tab's sessionStorage. */
class MemoryStorage implements SessionStorageLike {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}


const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
const permitClient = (url: string, token: string) => new Permit({ token, pdp: url, apiUrl: url, log: { level: 'silent' } });

let spa: Spa;
beforeAll(async () => {
  // A variable specifier: the browser module has no types, its shape is `Spa`.
  spa = (await import(SPA_MODULE.href)) as Spa;
});

interface SignedIn {
  tokens: Tokens;
  sub: string;
  /** The tab's sessionStorage after the callback. */
  storage: MemoryStorage;
  /** Tessera's cookies (the hosted UI remembers the browser). */
  jar: CookieJar;
}

/**
 * The browser's journey, with the app's own functions: Log in (the /login URL with PKCE and state,
 * the verifier in sessionStorage), the hosted UI's form, back at the app's /callback, and the code
 * exchange at the token endpoint. `appUrl` is the app's URL as the browser knows it (the redirect
 * URI's base); `apiUrl` where this process reaches it.
 */
async function signIn(o: { tesseraUrl: string; appUrl: string; apiUrl: string }, username: string, jar = new CookieJar()): Promise<SignedIn> {
  const config = (await (await fetch(`${o.apiUrl}/config.json`)).json()) as BrowserConfig;
  const storage = new MemoryStorage();
  const redirectUri = `${o.appUrl}/callback`;
  const login = new URL(await spa.loginUrl(config, { storage, redirectUri }));
  expect(`${login.origin}${login.pathname}`).toBe(`${o.tesseraUrl}/${POOL_ID}/login`);
  const callback = await signInThroughForm(login, username, PASSWORD, jar);
  expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
  expect(callback.searchParams.get('state')).toBe(login.searchParams.get('state'));
  // The browser lands on the app's page again, which runs the module.
  const landed = await fetch(`${o.apiUrl}/callback${callback.search}`);
  expect(landed.status).toBe(200);
  expect(await landed.text()).toContain('<script type="module" src="/app.mjs"></script>');
  const tokens = await spa.exchangeCode(config, { storage, redirectUri, searchParams: callback.searchParams });
  expect(tokens).toMatchObject({ access_token: expect.any(String), id_token: expect.any(String), token_type: 'Bearer' });
  // The verifier is spent with the callback.
  expect(storage.getItem(`codeVerifier-${callback.searchParams.get('state')}`)).toBeNull();
  const claims = decodeJwt(tokens.id_token);
  expect(claims).toMatchObject({ 'cognito:username': username, aud: SPA_CLIENT_ID, token_use: 'id' });
  expect(decodeJwt(tokens.access_token)).toMatchObject({ username, client_id: SPA_CLIENT_ID, token_use: 'access', sub: claims.sub });
  return { tokens, sub: claims.sub!, storage, jar };
}

/** The user Permit has under this key, or undefined when it answers 404. */
async function permitUser(permit: Permit, key: string) {
  try {
    return await permit.api.users.get(key);
  } catch (error) {
    if (error instanceof PermitApiError && error.response?.status === 404) return undefined;
    throw error;
  }
}
const rolesOf = (user: { roles?: Array<{ role: string; tenant: string }> } | undefined) => (user?.roles ?? []).map(({ role, tenant }) => ({ role, tenant }));

describe('example: seed 000, Permit guarding say and wave hello for Cognito users', () => {
  it('npm run example:000 serves the app and Tessera until Ctrl-C; admin signs in and says hello', async () => {
    const [tesseraPort, appPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [RUN], {
      env: { ...process.env, TESSERA_PORT: String(tesseraPort), PORT: String(appPort), TESSERA_ACCESS_KEY_ID: '', TESSERA_SECRET_ACCESS_KEY: '', PERMIT_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // The browser's URL: APP_URL's default, which is not the demo client's, so run.mjs registered it.
    const appUrl = `http://localhost:${appPort}`;
    const tesseraUrl = `http://127.0.0.1:${tesseraPort}`;
    try {
      const ready = await Promise.race([
        (async () => {
          while (!stdout.includes('Ctrl-C stops both.')) await new Promise((r) => setTimeout(r, 100));
          return true;
        })(),
        exited.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(false), 60_000)),
      ]);
      expect(ready, `${stdout}\n${stderr}`).toBe(true);
      expect(stdout).toContain(`Open ${appUrl} and log in as admin (may say and wave) or viewer (may only wave), password ${PASSWORD}`);
      expect(stdout).toContain(`Tessera (demo data, throw-away database): ${tesseraUrl}`);
      expect(stdout).toContain(`Authorization: Bearer ${DEMO_PERMIT_API_KEY}`);

      const apiUrl = `http://127.0.0.1:${appPort}`;
      expect(await (await fetch(`${apiUrl}/config.json`)).json()).toEqual({ cognitoLoginUrl: `${tesseraUrl}/${POOL_ID}`, clientId: SPA_CLIENT_ID });
      const admin = await signIn({ tesseraUrl, appUrl, apiUrl }, 'admin');
      const synced = await spa.syncUser(apiUrl, admin.tokens);
      expect(synced.status, synced.text).toBe(200);
      expect(JSON.parse(synced.text)).toMatchObject({ key: admin.sub, roles: [{ role: 'admin', tenant: 'default' }] });
      expect(await spa.hello(apiUrl, 'say', admin.tokens)).toEqual({ status: 200, ok: true, text: 'Permitted! to say hello' });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited, `${stdout}\n${stderr}`).toBe(0);
    // Tessera stopped with the example: its port is free again.
    await expectPortFree(tesseraPort);
  }, 120_000);

  describe('the app against a Tessera process', () => {
    let dataDir: string;
    let tessera: ServerProcess;
    let app: RunningApp;
    let admin: CognitoIdentityProviderClient;
    let anonymous: CognitoIdentityProviderClient;
    let permit: Permit;
    let config: BrowserConfig;
    const appLog: string[] = [];
    const where = () => ({ tesseraUrl: tessera.url, appUrl: app.appUrl, apiUrl: app.url });

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'tessera-example-000-'));
      // A known port, so that the issuer (publicUrl) names it; empty admin keys keep demo mode's test/test.
      const port = await freePort();
      tessera = await startServerProcess(['--port', String(port), '--demo', '--db', `sqlite:${join(dataDir, 'tessera.db')}`], { TESSERA_ACCESS_KEY_ID: '', TESSERA_SECRET_ACCESS_KEY: '' });
      expect(tessera.url).toBe(`http://127.0.0.1:${port}`);
      app = await startApp({ port: 0, host: '127.0.0.1', tesseraUrl: tessera.url, poolId: POOL_ID, clientId: SPA_CLIENT_ID, permitApiKey: DEMO_PERMIT_API_KEY, log: (m) => appLog.push(m) });
      // The demo SPA client knows http://localhost:8000/callback; this run's app is elsewhere.
      await allowAppUrl({ tesseraUrl: tessera.url, region: REGION, credentials: DEMO_CREDENTIALS, poolId: POOL_ID, clientId: SPA_CLIENT_ID, appUrl: app.appUrl });
      admin = new CognitoIdentityProviderClient({ endpoint: tessera.url, region: REGION, credentials: DEMO_CREDENTIALS, maxAttempts: 1 });
      anonymous = new CognitoIdentityProviderClient({ endpoint: tessera.url, region: REGION, credentials: { accessKeyId: 'anonymous', secretAccessKey: 'anonymous' }, maxAttempts: 1 });
      permit = permitClient(tessera.url, DEMO_PERMIT_API_KEY);
      config = { cognitoLoginUrl: `${tessera.url}/${POOL_ID}`, clientId: SPA_CLIENT_ID };
    }, 120_000);

    afterAll(async () => {
      admin?.destroy();
      anonymous?.destroy();
      await app?.close();
      await tessera?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    const subOf = async (username: string) => (await admin.send(new AdminGetUserCommand({ UserPoolId: POOL_ID, Username: username }))).UserAttributes!.find((a) => a.Name === 'sub')!.Value!;

    it('serves the browser app: the page, its module and its configuration', async () => {
      for (const path of ['/', '/callback']) {
        const page = await fetch(`${app.url}${path}`);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
        // The page runs only its own script and talks only to the app and to Tessera.
        expect(page.headers.get('content-security-policy')).toContain(`script-src 'self'; connect-src 'self' ${tessera.url};`);
        const html = await page.text();
        expect(html).toContain('<script type="module" src="/app.mjs"></script>');
        expect(html).toContain('id="loginButton"');
      }
      const module = await fetch(`${app.url}/app.mjs`);
      expect(module.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(await module.text()).toBe(readFileSync(SPA_MODULE, 'utf8'));
      expect(await (await fetch(`${app.url}/config.json`)).json()).toEqual(config);
      expect((await fetch(`${app.url}/api/nothing`)).status).toBe(404);
      const wrongMethod = await fetch(`${app.url}/say_hello`);
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('POST');
    });

    it("Log in sends the browser to the hosted UI's /login with a code request, PKCE S256 and state, as the seed's redirectToLogin", async () => {
      const storage = new MemoryStorage();
      const redirectUri = `${app.appUrl}/callback`;
      const first = new URL(await spa.loginUrl(config, { storage, redirectUri }));
      expect(`${first.origin}${first.pathname}`).toBe(`${tessera.url}/${POOL_ID}/login`);
      const params = Object.fromEntries(first.searchParams);
      expect(params).toEqual({
        response_type: 'code',
        client_id: SPA_CLIENT_ID,
        state: expect.stringMatching(/^[\w-]{43}$/),
        code_challenge_method: 'S256',
        code_challenge: expect.stringMatching(/^[\w-]{43}$/),
        redirect_uri: redirectUri,
      });
      // The verifier stays in the tab, under the state; the challenge is its SHA-256.
      const verifier = storage.getItem(`codeVerifier-${params.state}`);
      expect(verifier).toMatch(/^[\w-]{43}$/);
      expect(params.code_challenge).toBe(createHash('sha256').update(verifier!).digest('base64url'));
      const second = new URL(await spa.loginUrl(config, { storage, redirectUri }));
      expect(second.searchParams.get('state')).not.toBe(params.state);
      expect(second.searchParams.get('code_challenge')).not.toBe(params.code_challenge);
      expect(storage.items.size).toBe(2);
      // Sign-out goes through the hosted UI and back to the app.
      expect(spa.logoutUrl(config, { logoutUri: app.appUrl })).toBe(`${tessera.url}/${POOL_ID}/logout?client_id=${SPA_CLIENT_ID}&logout_uri=${encodeURIComponent(app.appUrl)}`);
    });

    it('refuses a callback whose state this tab did not start, and a callback used twice', async () => {
      const storage = new MemoryStorage();
      const redirectUri = `${app.appUrl}/callback`;
      const login = await spa.loginUrl(config, { storage, redirectUri });
      const callback = await signInThroughForm(login, 'alice', PASSWORD);
      const tampered = new URLSearchParams(callback.searchParams);
      tampered.set('state', 'someone-elses-state');
      await expect(spa.exchangeCode(config, { storage: new MemoryStorage(), redirectUri, searchParams: callback.searchParams })).rejects.toThrow('Unexpected code');
      await expect(spa.exchangeCode(config, { storage, redirectUri, searchParams: tampered })).rejects.toThrow('Unexpected code');
      // The genuine callback still works once, then its verifier is gone.
      const tokens = await spa.exchangeCode(config, { storage, redirectUri, searchParams: callback.searchParams });
      expect(decodeJwt(tokens.id_token)['cognito:username']).toBe('alice');
      await expect(spa.exchangeCode(config, { storage, redirectUri, searchParams: callback.searchParams })).rejects.toThrow('Unexpected code');
      // An error from the hosted UI is shown, not exchanged.
      await expect(spa.exchangeCode(config, { storage, redirectUri, searchParams: new URLSearchParams({ error: 'access_denied', error_description: 'no' }) })).rejects.toThrow('The sign-in failed: access_denied no');
    });

    it("lets the browser app read the token endpoint's answer from its own origin (CORS)", async () => {
      // The exchange is a simple cross-origin request (a form POST without credentials), so the browser
      // sends no preflight, but it hands the answer to the page only with Access-Control-Allow-Origin.
      const storage = new MemoryStorage();
      const redirectUri = `${app.appUrl}/callback`;
      const callback = await signInThroughForm(await spa.loginUrl(config, { storage, redirectUri }), 'bob', PASSWORD);
      const origin = new URL(app.appUrl).origin;
      const exchange = (code: string) =>
        fetch(`${tessera.url}/${POOL_ID}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
          body: new URLSearchParams({ grant_type: 'authorization_code', client_id: SPA_CLIENT_ID, code, code_verifier: storage.getItem(`codeVerifier-${callback.searchParams.get('state')}`)!, redirect_uri: redirectUri }),
        });
      const ok = await exchange(callback.searchParams.get('code')!);
      const okBody = await ok.text();
      expect(ok.status, okBody).toBe(200);
      expect([origin, '*'], `POST /${POOL_ID}/oauth2/token with Origin: ${origin} → ${ok.status}, headers ${JSON.stringify(Object.fromEntries(ok.headers))}`).toContain(ok.headers.get('access-control-allow-origin'));
      // The page must be able to read an error too (here the code is spent), to show it.
      const refused = await exchange(callback.searchParams.get('code')!);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
      expect([origin, '*']).toContain(refused.headers.get('access-control-allow-origin'));
    });

    it('admin signs in, /api/sync finds them in Permit with the admin role, and they may say and wave hello', async () => {
      const user = await signIn(where(), 'admin');
      const synced = await spa.syncUser(app.url, user.tokens);
      expect(synced.status, synced.text).toBe(200);
      expect(JSON.parse(synced.text)).toEqual({ key: user.sub, email: 'admin@example.com', roles: [{ role: 'admin', tenant: 'default' }] });
      const me = await spa.whoAmI(app.url, user.tokens);
      expect(me.status).toBe(200);
      expect(JSON.parse(me.text)).toMatchObject({ sub: user.sub, 'cognito:username': 'admin', 'cognito:groups': ['admin'], token_use: 'id' });
      expect(await spa.hello(app.url, 'say', user.tokens)).toEqual({ status: 200, ok: true, text: 'Permitted! to say hello' });
      expect(await spa.hello(app.url, 'wave', user.tokens)).toEqual({ status: 200, ok: true, text: 'Permitted! to wave hello' });
      expect(appLog).toContain(`POST /say_hello: permit.check(${user.sub}, say, hello) = true`);
      expect(appLog).toContain(`POST /wave_hello: permit.check(${user.sub}, wave, hello) = true`);
    });

    it("viewer is unknown to Permit until the first sign-in, which syncs them with the viewer role: they may wave but not say hello; the app's own sync changes nothing", async () => {
      const sub = await subOf('viewer');
      expect(await permitUser(permit, sub)).toBeUndefined();
      expect(await permit.check(sub, 'wave', 'hello')).toBe(false);

      const user = await signIn(where(), 'viewer');
      expect(user.sub).toBe(sub);
      // Tessera synced the user at sign-in, before the app's /api/sync.
      const atSignIn = await permitUser(permit, sub);
      expect(atSignIn).toMatchObject({ key: sub, email: 'viewer@example.com', attributes: { 'cognito:username': 'viewer' } });
      expect(rolesOf(atSignIn)).toEqual([{ role: 'viewer', tenant: 'default' }]);
      expect(await spa.hello(app.url, 'say', user.tokens)).toEqual({ status: 403, ok: false, text: 'Not permitted to say hello' });
      expect(await spa.hello(app.url, 'wave', user.tokens)).toEqual({ status: 200, ok: true, text: 'Permitted! to wave hello' });

      // The seed's sync, after it: the same user, fields and roles.
      const synced = await spa.syncUser(app.url, user.tokens);
      expect(synced.status, synced.text).toBe(200);
      expect(JSON.parse(synced.text)).toEqual({ key: sub, email: 'viewer@example.com', roles: [{ role: 'viewer', tenant: 'default' }] });
      const afterSync = await permitUser(permit, sub);
      expect(afterSync).toMatchObject({ key: sub, email: 'viewer@example.com', attributes: { 'cognito:username': 'viewer' } });
      expect(rolesOf(afterSync)).toEqual([{ role: 'viewer', tenant: 'default' }]);
      expect(afterSync!.id).toBe(atSignIn!.id);
      expect(await spa.hello(app.url, 'say', user.tokens)).toMatchObject({ status: 403, text: 'Not permitted to say hello' });
      expect(await spa.hello(app.url, 'wave', user.tokens)).toMatchObject({ status: 200, text: 'Permitted! to wave hello' });
      expect(appLog).toContain(`POST /say_hello: permit.check(${sub}, say, hello) = false`);
    });

    it('a user created with AdminCreateUser and put in viewer gets the viewer role at the first sign-in, and a group change at the next', async () => {
      const username = unique('newcomer');
      const created = await admin.send(
        new AdminCreateUserCommand({
          UserPoolId: POOL_ID,
          Username: username,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: `${username}@example.com` },
            { Name: 'email_verified', Value: 'true' },
            { Name: 'given_name', Value: 'New' },
            { Name: 'family_name', Value: 'Comer' },
          ],
        }),
      );
      const sub = created.User!.Attributes!.find((a) => a.Name === 'sub')!.Value!;
      await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: POOL_ID, Username: username, Password: PASSWORD, Permanent: true }));
      await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: POOL_ID, Username: username, GroupName: 'viewer' }));

      // Tessera syncs a user when the pool creates them (as at sign-up), with no roles yet: groups
      // become roles at sign-in.
      const beforeSignIn = await permitUser(permit, sub);
      expect(beforeSignIn).toMatchObject({ key: sub, email: `${username}@example.com` });
      expect(rolesOf(beforeSignIn)).toEqual([]);
      expect(await permit.check(sub, 'wave', 'hello')).toBe(false);

      const user = await signIn(where(), username);
      expect(user.sub).toBe(sub);
      const afterSignIn = await permitUser(permit, sub);
      expect(afterSignIn).toMatchObject({ key: sub, email: `${username}@example.com`, first_name: 'New', last_name: 'Comer' });
      expect(rolesOf(afterSignIn)).toEqual([{ role: 'viewer', tenant: 'default' }]);
      expect(await spa.hello(app.url, 'wave', user.tokens)).toEqual({ status: 200, ok: true, text: 'Permitted! to wave hello' });
      expect(await spa.hello(app.url, 'say', user.tokens)).toEqual({ status: 403, ok: false, text: 'Not permitted to say hello' });
      const synced = await spa.syncUser(app.url, user.tokens);
      expect(synced.status, synced.text).toBe(200);
      expect(await permitUser(permit, sub)).toMatchObject({ email: `${username}@example.com`, first_name: 'New', last_name: 'Comer', attributes: { 'cognito:username': username } });

      // Put in admin too: nothing changes until the user signs in again, then saying hello is allowed,
      // with the old ID token as well, since Permit decides by user, not by token.
      await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: POOL_ID, Username: username, GroupName: 'admin' }));
      expect(await spa.hello(app.url, 'say', user.tokens)).toMatchObject({ status: 403 });
      const again = await signIn(where(), username);
      expect(rolesOf(await permitUser(permit, sub)).sort((a, b) => a.role.localeCompare(b.role))).toEqual([
        { role: 'admin', tenant: 'default' },
        { role: 'viewer', tenant: 'default' },
      ]);
      expect(await spa.hello(app.url, 'say', again.tokens)).toEqual({ status: 200, ok: true, text: 'Permitted! to say hello' });
      expect(await spa.hello(app.url, 'say', user.tokens)).toEqual({ status: 200, ok: true, text: 'Permitted! to say hello' });
    });

    it('answers the seed\'s 403 "Token not valid!" to a missing, malformed, tampered or foreign token, or one of the wrong kind, without asking Permit', async () => {
      const viewer = await signIn(where(), 'viewer');
      // The same user's tokens from the backend client: valid, but not the SPA's.
      const secretHash = createHmac('sha256', BACKEND_CLIENT_SECRET).update(`viewer${BACKEND_CLIENT_ID}`).digest('base64');
      const other = (
        await anonymous.send(new InitiateAuthCommand({ ClientId: BACKEND_CLIENT_ID, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'viewer', PASSWORD, SECRET_HASH: secretHash } }))
      ).AuthenticationResult!;
      expect(decodeJwt(other.IdToken!)).toMatchObject({ sub: viewer.sub, aud: BACKEND_CLIENT_ID });
      // The viewer's ID token, claiming to be admin: the signature no longer holds.
      const adminSub = await subOf('admin');
      const [header, , signature] = viewer.tokens.id_token.split('.');
      const forged = [header, Buffer.from(JSON.stringify({ ...decodeJwt(viewer.tokens.id_token), sub: adminSub, 'cognito:groups': ['admin'] })).toString('base64url'), signature].join('.');

      const idRoutes = [
        ['GET', '/api/id'],
        ['POST', '/say_hello'],
        ['POST', '/wave_hello'],
      ] as const;
      const cases: Array<{ method: string; path: string; authorization?: string; reason?: RegExp }> = [];
      for (const [method, path] of [...idRoutes, ['POST', '/api/sync'] as const]) {
        cases.push({ method, path });
        cases.push({ method, path, authorization: 'Bearer not-a-jwt' });
        cases.push({ method, path, authorization: `Basic ${Buffer.from('viewer:Passw0rd!').toString('base64')}` });
        cases.push({ method, path, authorization: `Bearer ${forged}`, reason: /Invalid signature/ });
      }
      for (const [method, path] of idRoutes) {
        cases.push({ method, path, authorization: `Bearer ${viewer.tokens.access_token}`, reason: /Token use not allowed: access/ });
        cases.push({ method, path, authorization: `Bearer ${other.IdToken}`, reason: /Client ID \("audience"\) not allowed: demobackend0+1\. Expected: demospa0+1/ });
      }
      cases.push({ method: 'POST', path: '/api/sync', authorization: `Bearer ${viewer.tokens.id_token}`, reason: /Token use not allowed: id/ });
      cases.push({ method: 'POST', path: '/api/sync', authorization: `Bearer ${other.AccessToken}`, reason: /Client ID not allowed: demobackend0+1\. Expected: demospa0+1/ });

      const checksBefore = appLog.filter((line) => line.includes('permit.check')).length;
      for (const c of cases) {
        const logged = appLog.length;
        const res = await fetch(`${app.url}${c.path}`, { method: c.method, headers: c.authorization ? { authorization: c.authorization } : {} });
        const label = `${c.method} ${c.path} with ${c.authorization?.slice(0, 20) ?? 'no token'}`;
        expect({ status: res.status, body: await res.text() }, label).toEqual({ status: 403, body: TOKEN_NOT_VALID });
        expect(appLog.slice(logged), label).toEqual([expect.stringMatching(new RegExp(`^${c.method} ${c.path}: token not valid \\(`))]);
        if (c.reason) expect(appLog.at(-1), label).toMatch(c.reason);
      }
      // None of them reached Permit; the forged token did not make the viewer an admin.
      expect(appLog.filter((line) => line.includes('permit.check')).length).toBe(checksBefore);
      expect(rolesOf(await permitUser(permit, adminSub))).toEqual([{ role: 'admin', tenant: 'default' }]);
      // The genuine token still works.
      expect(await spa.hello(app.url, 'wave', viewer.tokens)).toMatchObject({ status: 200 });
    });

    it('fails closed (500) when Permit refuses the API key, instead of letting anyone say hello', async () => {
      const log: string[] = [];
      const errors: unknown[][] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => void errors.push(args);
      // The SDK reads its log level from the environment when it is created; its 401 errors are expected here.
      const logLevel = process.env.PERMIT_LOG_LEVEL;
      process.env.PERMIT_LOG_LEVEL = 'silent';
      const wrongKey = await startApp({ port: 0, host: '127.0.0.1', tesseraUrl: tessera.url, poolId: POOL_ID, clientId: SPA_CLIENT_ID, permitApiKey: 'permit_key_nobody_issued_this_one', log: (m) => log.push(m) });
      if (logLevel === undefined) delete process.env.PERMIT_LOG_LEVEL;
      else process.env.PERMIT_LOG_LEVEL = logLevel;
      try {
        const user = await signIn(where(), 'admin');
        for (const action of ['say', 'wave'] as const) expect(await spa.hello(wrongKey.url, action, user.tokens)).toMatchObject({ status: 500, ok: false });
        expect((await spa.syncUser(wrongKey.url, user.tokens)).status).toBe(500);
        expect(log.some((line) => line.includes('permit.check'))).toBe(false);
        expect(errors.length).toBe(3);
        // The same token through the app with the right key.
        expect(await spa.hello(app.url, 'say', user.tokens)).toMatchObject({ status: 200 });
      } finally {
        console.error = original;
        await wrongKey.close();
      }
    });
  });
});
