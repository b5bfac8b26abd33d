import { createHash, randomBytes } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SetUserMFAPreferenceCommand,
  SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
// Codes come from an independent TOTP library, not the one the server uses.
import { generate } from 'otplib';
import { create as createQr } from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.ts';
import { browserFetch, CookieJar, decodeEntities, locationOf, openLoginPage, parseForm } from '../support/hosted-ui.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Software-token MFA in the hosted UI, over HTTP as a browser would drive it: the code page after the
 * password, enrolment (MFA_SETUP) with the secret as text and as a QR code, and the ways a second factor
 * must not be skipped or replayed. The server runs on a manual clock, so codes are computed for its time
 * and a used 30-second step is left behind by moving the clock, not by waiting.
 */

const PASSWORD = 'Mfa-Hosted-Passw0rd!';
const CALLBACK = 'https://app.example/callback';
// A `+` and spaces: the otpauth URI must percent-encode both (a bare `+` would read back as a space).
const REQUIRED_POOL_NAME = 'Acme Staff + Partners';
const STEP_MS = 30_000;

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const decodeJwt = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/** The hidden inputs of a page's first form, by name (entities decoded). */
function hiddenFields(html: string): Record<string, string> {
  const form = /<form\b[\s\S]*?<\/form>/.exec(html)?.[0] ?? '';
  return Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, decodeEntities(m[2]!)]));
}

const h1 = (html: string) => decodeEntities(/<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? '');
const alertText = (html: string) => decodeEntities(/<div class="notice notice-error" id="form-error" role="alert"><p>([\s\S]*?)<\/p><\/div>/.exec(html)?.[1] ?? '');

/** The start tag of the element with this id. */
function tagById(html: string, id: string): string {
  const tag = new RegExp(`<[a-z]+\\b[^>]*\\bid="${id}"[^>]*>`).exec(html)?.[0];
  expect(tag, `an element with id ${id}`).toBeDefined();
  return tag!;
}

const attr = (tag: string, name: string) => {
  const value = new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];
  return value === undefined ? undefined : decodeEntities(value);
};

/**
 * The dark modules of a QR code drawn by an SVG path of horizontal runs (`M x y`, `m dx dy`, `h n`), as rows of
 * booleans: enough to compare what the page shows with the symbol a given text must produce.
 */
function svgModules(svg: string): boolean[][] {
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
  const d = /<path[^>]*\bstroke="[^"]*"[^>]*\bd="([^"]*)"/.exec(svg)?.[1];
  expect(size, 'a square viewBox').toBeGreaterThan(20);
  expect(d, 'a path of dark modules').toBeDefined();
  const grid = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  let x = 0;
  let y = 0;
  for (const [, cmd, args] of d!.matchAll(/([MmHh])([^MmHh]*)/g)) {
    const n = args!.trim().split(/[\s,]+/).map(Number);
    if (cmd === 'M') [x, y] = [n[0]!, n[1]!];
    else if (cmd === 'm') [x, y] = [x + n[0]!, y + (n[1] ?? 0)];
    else {
      const end = cmd === 'h' ? x + n[0]! : n[0]!;
      for (let col = x; col < end; col++) grid[Math.floor(y)]![col] = true;
      x = end;
    }
  }
  return grid;
}

/** Whether the QR code drawn in `svg` is the symbol for `text`, at any error correction level. */
function qrEncodes(svg: string, text: string): boolean {
  const drawn = svgModules(svg);
  return (['L', 'M', 'Q', 'H'] as const).some((level) => {
    const { modules } = createQr(text, { errorCorrectionLevel: level });
    const margin = (drawn.length - modules.size) / 2;
    if (!Number.isInteger(margin) || margin < 0) return false;
    return drawn.every((row, r) => row.every((dark, c) => {
      const inside = r >= margin && c >= margin && r < margin + modules.size && c < margin + modules.size;
      return dark === (inside && modules.get(r - margin, c - margin) === 1);
    }));
  });
}

describe('software token MFA in the hosted UI', () => {
  const clock = new ManualClock(Date.now());
  let s: TestServer;

  interface Pool {
    poolId: string;
    clientId: string;
  }
  let optional: Pool;
  let required: Pool;
  /** Another pool with MFA ON, whose sessions must mean nothing to the first one's pages. */
  let otherRequired: Pool;

  beforeAll(async () => {
    s = await startTestServer({ clock });
    // SigV4 is checked against the server's (manual) clock: sign at that time, so moving it keeps calls valid.
    for (const client of [s.admin, s.anonymous]) {
      Object.defineProperty(client.config, 'systemClockOffset', { get: () => clock.now() - Date.now(), set: () => {}, configurable: true });
    }
    const makePool = async (PoolName: string, MfaConfiguration: 'ON' | 'OPTIONAL'): Promise<Pool> => {
      const poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName }))).UserPool!.Id!;
      await s.admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration, SoftwareTokenMfaConfiguration: { Enabled: true } }));
      const client = await s.admin.send(
        new CreateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientName: 'web',
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          AllowedOAuthFlows: ['code'],
          AllowedOAuthFlowsUserPoolClient: true,
          AllowedOAuthScopes: ['openid'],
          CallbackURLs: [CALLBACK],
          SupportedIdentityProviders: ['COGNITO'],
        }),
      );
      return { poolId, clientId: client.UserPoolClient!.ClientId! };
    };
    [optional, required, otherRequired] = await Promise.all([makePool('Optional MFA', 'OPTIONAL'), makePool(REQUIRED_POOL_NAME, 'ON'), makePool('Other required MFA', 'ON')]);
  });
  afterAll(async () => s?.close());

  /** The code an authenticator app shows now, by the server's clock. */
  const codeNow = (secret: string) => generate({ secret, epoch: Math.floor(clock.now() / 1000) });
  /** A well-formed code that is wrong now (five minutes old). */
  const staleCode = (secret: string) => generate({ secret, epoch: Math.floor(clock.now() / 1000) - 300 });
  /** Moves past the 30-second step a code was just used in, as a user would wait for the next code. */
  const nextStep = () => clock.advance(STEP_MS);

  const createUser = async (pool: Pool, opts: { temporary?: boolean } = {}) => {
    const Username = unique('user');
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: pool.poolId, Username, MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username, Password: PASSWORD, Permanent: !opts.temporary }));
    return Username;
  };

  /** Enrols a user's authenticator through the API (access token), turns it on, and returns the secret. */
  async function enrol(pool: Pool, username: string): Promise<string> {
    const signedIn = await s.anonymous.send(new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD } }));
    const AccessToken = signedIn.AuthenticationResult!.AccessToken!;
    const { SecretCode } = await s.anonymous.send(new AssociateSoftwareTokenCommand({ AccessToken }));
    expect((await s.anonymous.send(new VerifySoftwareTokenCommand({ AccessToken, UserCode: await codeNow(SecretCode!) }))).Status).toBe('SUCCESS');
    await s.anonymous.send(new SetUserMFAPreferenceCommand({ AccessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));
    nextStep();
    return SecretCode!;
  }

  /** A code-flow authorization request with PKCE (S256). */
  function authorizeRequest(pool: Pool) {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(12).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: pool.clientId,
      redirect_uri: CALLBACK,
      state,
      scope: 'openid',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    return { url: `${s.url}/${pool.poolId}/oauth2/authorize?${query.toString()}`, state, verifier };
  }

  async function exchange(pool: Pool, code: string, verifier: string) {
    const res = await fetch(`${s.url}/${pool.poolId}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: pool.clientId, code, redirect_uri: CALLBACK, code_verifier: verifier }).toString(),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  interface Page {
    status: number;
    html: string;
    url: URL;
    headers: Headers;
  }

  /** POSTs a page's first form with its hidden fields (CSRF token included) plus `fields`. */
  async function submit(page: Page, jar: CookieJar, fields: Record<string, string>, opts: { dropCsrf?: boolean } = {}): Promise<Response> {
    const form = parseForm(page.html, page.url, page.status);
    const hidden = hiddenFields(page.html);
    if (opts.dropCsrf) delete hidden._csrf;
    return browserFetch(form.action, jar, { form: { ...hidden, ...fields } });
  }

  async function pageOf(response: Response, url: URL): Promise<Page> {
    expect(response.headers.get('location'), 'a page, not a redirect').toBeNull();
    return { status: response.status, html: await response.text(), url, headers: response.headers };
  }

  /** Opens the login page of a new authorization and submits the password: the page that answers it. */
  async function password(pool: Pool, username: string, jar = new CookieJar(), pass = PASSWORD) {
    const request = authorizeRequest(pool);
    const login = await openLoginPage(request.url, jar);
    const response = await browserFetch(login.action, jar, { form: { _csrf: login.csrf, username, password: pass } });
    return { request, jar, response, url: login.action };
  }

  /** The callback the browser was sent to, checked to carry the state and a code that exchanges for tokens of `username`. */
  async function expectSignedIn(pool: Pool, response: Response, from: URL, request: { state: string; verifier: string }, username: string) {
    expect(response.status).toBe(302);
    const target = locationOf(response, from);
    expect(target.origin + target.pathname).toBe(CALLBACK);
    expect(target.searchParams.get('state')).toBe(request.state);
    const tokens = await exchange(pool, target.searchParams.get('code')!, request.verifier);
    expect(tokens.status).toBe(200);
    expect(decodeJwt(tokens.body.id_token as string)['cognito:username']).toBe(username);
    expect(decodeJwt(tokens.body.access_token as string)['username']).toBe(username);
  }

  /** The code page after a correct password, checked for the form it must have. */
  async function codePage(pool: Pool, username: string, jar?: CookieJar) {
    const started = await password(pool, username, jar);
    const page = await pageOf(started.response, started.url);
    expect(page.status).toBe(200);
    expect(h1(page.html)).toBe('Enter your authentication code');
    return { ...started, page };
  }

  describe('a user with an authenticator app, in a pool with MFA OPTIONAL', () => {
    it('asks for a code after the password, and a correct code sends the browser to the callback with a code that exchanges for tokens', async () => {
      const username = await createUser(optional);
      const secret = await enrol(optional, username);
      const { page, jar, request } = await codePage(optional, username);

      const form = parseForm(page.html, page.url);
      expect(form.action.pathname).toBe(`/${optional.poolId}/mfa`);
      expect(form.action.searchParams.get('state')).toBe(request.state);
      const hidden = hiddenFields(page.html);
      expect(Object.keys(hidden).sort()).toEqual(['_csrf', 'session', 'username']);
      expect(hidden.username).toBe(username);
      expect(hidden.session).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      const input = tagById(page.html, 'code');
      expect(attr(input, 'name')).toBe('code');
      expect(attr(input, 'autocomplete')).toBe('one-time-code');
      expect(attr(input, 'inputmode')).toBe('numeric');
      expect(page.html).toContain('<label for="code">Authentication code</label>');
      expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'nonce-[^']+';/);
      expect(page.headers.get('cache-control')).toBe('no-store');
      // The password alone signed nobody in: no session cookie yet.
      expect(jar.cookies.has('tessera_session')).toBe(false);

      const answered = await submit(page, jar, { code: await codeNow(secret) });
      await expectSignedIn(optional, answered, page.url, request, username);
    });

    it('signs a user without an authenticator app in on the password alone', async () => {
      const username = await createUser(optional);
      const { response, url, request } = await password(optional, username);
      await expectSignedIn(optional, response, url, request, username);
    });

    it('answers a wrong code with the login page and a clear error, not a redirect, and the used-up session cannot take the right code', async () => {
      const username = await createUser(optional);
      const secret = await enrol(optional, username);
      const { page, jar } = await codePage(optional, username);

      const wrong = await submit(page, jar, { code: await staleCode(secret) });
      const login = await pageOf(wrong, page.url);
      expect(login.status).toBe(400);
      expect(h1(login.html)).toBe('Sign in');
      expect(alertText(login.html)).toBe('The code was not accepted. Sign in again.');
      expect(parseForm(login.html, login.url).action.pathname).toBe(`/${optional.poolId}/login`);

      // The same form again, now with the right code: the session went with the wrong one.
      const retry = await pageOf(await submit(page, jar, { code: await codeNow(secret) }), page.url);
      expect(retry.status).toBe(400);
      expect(h1(retry.html)).toBe('Sign in');
      expect(alertText(retry.html)).toBe('Invalid session for the user.');
      expect(jar.cookies.has('tessera_session')).toBe(false);
    });

    it('refuses a code that already signed the user in, and takes the next one', async () => {
      const username = await createUser(optional);
      const secret = await enrol(optional, username);
      const first = await codePage(optional, username);
      const code = await codeNow(secret);
      await expectSignedIn(optional, await submit(first.page, first.jar, { code }), first.page.url, first.request, username);

      const second = await codePage(optional, username);
      const replayed = await pageOf(await submit(second.page, second.jar, { code }), second.page.url);
      expect(replayed.status).toBe(400);
      expect(alertText(replayed.html)).toBe('The code was not accepted. Sign in again.');

      nextStep();
      const third = await codePage(optional, username);
      await expectSignedIn(optional, await submit(third.page, third.jar, { code: await codeNow(secret) }), third.page.url, third.request, username);
    });

    it('refuses the code form without its CSRF token or with another browser’s, and the session still takes the code afterwards', async () => {
      const username = await createUser(optional);
      const secret = await enrol(optional, username);
      const { page, jar, request } = await codePage(optional, username);

      const missing = await pageOf(await submit(page, jar, { code: await codeNow(secret) }, { dropCsrf: true }), page.url);
      expect(missing.status).toBe(403);
      expect(h1(missing.html)).toBe('Enter your authentication code');
      expect(alertText(missing.html)).toBe('Your session expired. Please try again.');

      // A cross-site form cannot read the browser cookie, so a token from another browser is as good as none.
      const other = await openLoginPage(authorizeRequest(optional).url, new CookieJar());
      const foreign = await pageOf(await browserFetch(parseForm(page.html, page.url).action, jar, { form: { ...hiddenFields(page.html), _csrf: other.csrf, code: await codeNow(secret) } }), page.url);
      expect(foreign.status).toBe(403);
      expect(jar.cookies.has('tessera_session')).toBe(false);

      // Neither refusal used the code or the session.
      await expectSignedIn(optional, await submit(missing, jar, { code: await codeNow(secret) }), page.url, request, username);
    });

    it('answers missing, overlong and malformed fields with a page, never a server error or a redirect', async () => {
      const username = await createUser(optional);
      const secret = await enrol(optional, username);
      const { page, jar, request } = await codePage(optional, username);
      const action = parseForm(page.html, page.url).action;
      const hidden = hiddenFields(page.html);

      const cases: Array<{ form: Record<string, string>; status: number; heading: string }> = [
        { form: { _csrf: hidden._csrf!, username, code: '123456' }, status: 400, heading: 'Sign in' },
        { form: { _csrf: hidden._csrf!, session: hidden.session!, code: '123456' }, status: 400, heading: 'Sign in' },
        { form: { ...hidden, session: 'x'.repeat(5000), code: '123456' }, status: 400, heading: 'Sign in' },
        { form: { ...hidden, username: 'u'.repeat(500), code: '123456' }, status: 400, heading: 'Sign in' },
        { form: { ...hidden, code: '' }, status: 400, heading: 'Enter your authentication code' },
        { form: { ...hidden, code: '12345' }, status: 400, heading: 'Enter your authentication code' },
        { form: { ...hidden, code: 'abcdef' }, status: 400, heading: 'Enter your authentication code' },
        { form: { ...hidden, code: '1'.repeat(10_000) }, status: 400, heading: 'Enter your authentication code' },
      ];
      for (const c of cases) {
        const { code: _omitCode, ...withoutCode } = c.form;
        const label = JSON.stringify({ ...withoutCode, code: c.form.code?.slice(0, 12) }).slice(0, 200);
        const answer = await pageOf(await browserFetch(action, jar, { form: c.form }), page.url);
        expect(answer.status, label).toBe(c.status);
        expect(h1(answer.html), label).toBe(c.heading);
        expect(alertText(answer.html), label).not.toBe('');
      }
      // A repeated field is refused by the existing rule for every page.
      const repeated = await browserFetch(action, jar, { body: `${new URLSearchParams({ ...hidden, code: '123456' }).toString()}&code=654321`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(repeated.status).toBe(400);
      expect(repeated.headers.get('location')).toBeNull();

      // None of that used up the session: it still takes the right code (a mistyped code can be typed again).
      await expectSignedIn(optional, await submit(page, jar, { code: ` ${(await codeNow(secret)).replace(/^(...)/, '$1 ')} ` }), page.url, request, username);
    });

    it('asks again for a code on the next sign-in in the same browser, instead of reusing the signed-in session', async () => {
      const username = await createUser(optional);
      const secret = await enrol(optional, username);
      const first = await codePage(optional, username);
      await expectSignedIn(optional, await submit(first.page, first.jar, { code: await codeNow(secret) }), first.page.url, first.request, username);
      expect(first.jar.cookies.has('tessera_session')).toBe(true);

      const again = authorizeRequest(optional);
      const response = await browserFetch(again.url, first.jar);
      expect(response.status).toBe(302);
      expect(locationOf(response, again.url).pathname).toBe(`/${optional.poolId}/login`);
    });

    it('asks for the code after a forced new password too, before the browser reaches the callback', async () => {
      const username = await createUser(optional);
      const secret = await enrol(optional, username);
      await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: optional.poolId, Username: username, Password: PASSWORD, Permanent: false }));
      const started = await password(optional, username);
      const newPassword = await pageOf(started.response, started.url);
      expect(h1(newPassword.html)).toBe('Change your password');

      const changed = await submit(newPassword, started.jar, { password: 'An0ther-Passw0rd!', confirm_password: 'An0ther-Passw0rd!' });
      const page = await pageOf(changed, newPassword.url);
      expect(page.status).toBe(200);
      expect(h1(page.html)).toBe('Enter your authentication code');
      expect(started.jar.cookies.has('tessera_session')).toBe(false);
      await expectSignedIn(optional, await submit(page, started.jar, { code: await codeNow(secret) }), page.url, started.request, username);
    });
  });

  describe('a user without an authenticator app, in a pool with MFA ON', () => {
    /** The enrolment page after a correct password, with what it shows. */
    async function enrolmentPage(username: string, jar?: CookieJar, pool = required) {
      const started = await password(pool, username, jar);
      const page = await pageOf(started.response, started.url);
      expect(page.status).toBe(200);
      expect(h1(page.html)).toBe('Set up your authenticator app');
      const secret = decodeEntities(/<code class="secret" id="totp-secret">([^<]*)<\/code>/.exec(page.html)?.[1] ?? '').replace(/\s+/g, '');
      const qr = tagById(page.html, 'totp-qr');
      const uri = attr(/<a href="otpauth:[^"]*">/.exec(page.html)?.[0] ?? '', 'href') ?? '';
      return { ...started, page, secret, qr, uri };
    }

    it('shows a new secret as text and as a QR code of its otpauth URI, and signs the user in with a code for it', async () => {
      const username = await createUser(required);
      const { page, jar, request, secret, qr, uri } = await enrolmentPage(username);

      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      // The URI names issuer and account and carries the secret, each percent-encoded.
      const parsed = new URL(uri);
      expect(parsed.protocol).toBe('otpauth:');
      expect(parsed.host).toBe('totp');
      expect(decodeURIComponent(parsed.pathname)).toBe(`/${REQUIRED_POOL_NAME}:${username}`);
      expect(parsed.pathname).toBe(`/${encodeURIComponent(REQUIRED_POOL_NAME)}:${username}`);
      expect(parsed.searchParams.get('secret')).toBe(secret);
      expect(parsed.searchParams.get('issuer')).toBe(REQUIRED_POOL_NAME);

      // The QR code is an <img> of an SVG data URL, allowed by the page's CSP as it was, and it draws that URI.
      expect(attr(qr, 'alt')).toMatch(/^QR code/);
      const src = attr(qr, 'src')!;
      expect(src).toMatch(/^data:image\/svg\+xml;base64,[A-Za-z0-9+/]+=*$/);
      const svg = Buffer.from(src.slice(src.indexOf(',') + 1), 'base64').toString('utf8');
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(svg).not.toMatch(/<script|\bon[a-z]+=|<foreignObject|href=/i);
      expect(qrEncodes(svg, uri)).toBe(true);
      expect(qrEncodes(svg, uri.replace(secret, secret.split('').reverse().join('')))).toBe(false);
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toMatch(/img-src 'self' https: data:;/);
      expect(csp).not.toContain('unsafe-inline');
      expect(page.html).not.toMatch(/<svg|<script|\sstyle="/);

      const form = parseForm(page.html, page.url);
      expect(form.action.pathname).toBe(`/${required.poolId}/mfaSetup`);
      expect(Object.keys(hiddenFields(page.html)).sort()).toEqual(['_csrf', 'secret', 'secret_mac', 'session', 'username']);
      const input = tagById(page.html, 'code');
      expect(attr(input, 'autocomplete')).toBe('one-time-code');
      expect(attr(input, 'inputmode')).toBe('numeric');
      expect(jar.cookies.has('tessera_session')).toBe(false);

      await expectSignedIn(required, await submit(page, jar, { code: await codeNow(secret) }), page.url, request, username);
    });

    it('keeps the same secret on the page after a wrong code or a missing CSRF token, and signs in with the next right code', async () => {
      const username = await createUser(required);
      const { page, jar, request, secret } = await enrolmentPage(username);

      const wrong = await pageOf(await submit(page, jar, { code: await staleCode(secret) }), page.url);
      expect(wrong.status).toBe(400);
      expect(h1(wrong.html)).toBe('Set up your authenticator app');
      expect(alertText(wrong.html)).toMatch(/^The code was not accepted\./);
      expect(wrong.html).toContain(`id="totp-secret">${secret.replace(/(.{4})(?=.)/g, '$1 ')}<`);

      const noCsrf = await pageOf(await submit(wrong, jar, { code: await codeNow(secret) }, { dropCsrf: true }), page.url);
      expect(noCsrf.status).toBe(403);
      expect(h1(noCsrf.html)).toBe('Set up your authenticator app');
      expect(hiddenFields(noCsrf.html).secret).toBe(secret);
      expect(jar.cookies.has('tessera_session')).toBe(false);

      await expectSignedIn(required, await submit(noCsrf, jar, { code: await codeNow(secret) }), page.url, request, username);
    });

    it('never shows back a secret altered in the form', async () => {
      const username = await createUser(required);
      const { page, jar, secret } = await enrolmentPage(username);
      const planted = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
      const answer = await pageOf(await submit(page, jar, { secret: planted, code: await staleCode(secret) }), page.url);
      expect(answer.status).toBe(400);
      expect(h1(answer.html)).toBe('Set up your authenticator app');
      const shown = hiddenFields(answer.html).secret!;
      expect(shown).toMatch(/^[A-Z2-7]{32}$/);
      expect(shown).not.toBe(planted);
      expect(answer.html).not.toContain(planted);
    });

    it('asks for a code from the enrolled app on every later sign-in, in a new browser and in the same one', async () => {
      const username = await createUser(required);
      const enrolled = await enrolmentPage(username);
      await expectSignedIn(required, await submit(enrolled.page, enrolled.jar, { code: await codeNow(enrolled.secret) }), enrolled.page.url, enrolled.request, username);
      nextStep();

      for (const jar of [new CookieJar(), enrolled.jar]) {
        const { page, request } = await codePage(required, username, jar);
        expect(page.html).not.toContain('totp-secret');
        await expectSignedIn(required, await submit(page, jar, { code: await codeNow(enrolled.secret) }), page.url, request, username);
        nextStep();
      }
    });

    it('makes an administrator-created user enrol after choosing a new password, before the browser reaches the callback', async () => {
      const username = await createUser(required, { temporary: true });
      const started = await password(required, username);
      const newPassword = await pageOf(started.response, started.url);
      expect(h1(newPassword.html)).toBe('Change your password');
      const changed = await pageOf(await submit(newPassword, started.jar, { password: 'An0ther-Passw0rd!', confirm_password: 'An0ther-Passw0rd!' }), newPassword.url);
      expect(changed.status).toBe(200);
      expect(h1(changed.html)).toBe('Set up your authenticator app');
      const secret = hiddenFields(changed.html).secret!;
      await expectSignedIn(required, await submit(changed, started.jar, { code: await codeNow(secret) }), changed.url, started.request, username);
    });

    it('answers a forged or foreign session on the enrolment form with the login page, and enrols nobody', async () => {
      const username = await createUser(required);
      const { page, jar, secret } = await enrolmentPage(username);
      const optionalUser = await createUser(optional);
      await enrol(optional, optionalUser);
      // A SOFTWARE_TOKEN_MFA session is not an MFA_SETUP one.
      const foreign = await codePage(optional, optionalUser);
      for (const session of ['not-a-session', hiddenFields(foreign.page.html).session!]) {
        const answer = await pageOf(await submit(page, jar, { session, code: await codeNow(secret) }), page.url);
        expect(answer.status).toBe(400);
        expect(h1(answer.html)).toBe('Sign in');
        expect(alertText(answer.html)).toBe('Invalid session for the user.');
      }
      // The real session was untouched, and the secret not enabled: a new sign-in still asks for enrolment.
      expect(h1((await enrolmentPage(username)).page.html)).toBe('Set up your authenticator app');
    });

    it('refuses an enrolment session of another pool, even with the right code for its secret, and enrols nobody there', async () => {
      const username = await createUser(required);
      const { page, jar } = await enrolmentPage(username);
      const stranger = await createUser(otherRequired);
      const theirs = await enrolmentPage(stranger, undefined, otherRequired);
      const { session, username: theirName } = hiddenFields(theirs.page.html);

      const answer = await pageOf(await submit(page, jar, { session: session!, username: theirName!, code: await codeNow(theirs.secret) }), page.url);
      expect(answer.status).toBe(400);
      expect(h1(answer.html)).toBe('Sign in');
      expect(alertText(answer.html)).toBe('Invalid session for the user.');
      expect(jar.cookies.has('tessera_session')).toBe(false);
      // Their own pool still asks them to enrol: the code did not turn their pending secret on.
      expect(h1((await enrolmentPage(stranger, undefined, otherRequired)).page.html)).toBe('Set up your authenticator app');
    });
  });
});
