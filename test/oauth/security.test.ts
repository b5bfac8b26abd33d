import { createHash, createHmac, createPublicKey, randomBytes } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CreateResourceServerCommand,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  CreateUserPoolCommand,
  AdminGetUserCommand,
  GetUserCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/server.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { backends } from '../support/databases.ts';
import { browserFetch, CookieJar, locationOf, openLoginPage, signInThroughForm } from '../support/hosted-ui.ts';
import { ADMIN_CREDENTIALS, startTestServer, type TestServer } from '../support/server.ts';

/**
 * The OAuth 2.0 Security BCP (RFC 9700) and the OpenID Connect Core rules that apply to the hosted
 * UI and the OAuth endpoints, attacked over plain HTTP the way a hostile client or page would.
 */

const CALLBACK = 'https://app.example/cb';
const SIGNED_OUT = 'https://app.example/signed-out';
const API = 'https://api.example';
const PASSWORD = 'Correct-Horse-9';
const ADMIN_SCOPE = 'aws.cognito.signin.user.admin';

interface Client {
  id: string;
  secret?: string;
}

interface TokenSet {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function basic(client: Client, secret = client.secret ?? ''): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** The Set-Cookie lines of a response, keyed by cookie name. */
function setCookies(response: Response): Map<string, string> {
  return new Map(response.headers.getSetCookie().map((line) => [line.slice(0, line.indexOf('=')), line]));
}

describe.each(backends())('OAuth security (RFC 9700, OIDC Core) on %s', (backend) => {
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  let poolId: string;
  let otherPoolId: string;
  let spa: Client;
  let web: Client;
  let other: Client;
  let otherPoolClient: Client;

  beforeAll(async () => {
    s = await startTestServer({ clock, backend });
    const newPool = async (PoolName: string) => (await s.admin.send(new CreateUserPoolCommand({ PoolName }))).UserPool!.Id!;
    poolId = await newPool('security');
    otherPoolId = await newPool('security-other');
    await s.admin.send(new CreateResourceServerCommand({ UserPoolId: poolId, Identifier: API, Name: 'API', Scopes: [{ ScopeName: 'read', ScopeDescription: 'Read' }] }));
    const createClient = async (input: Omit<CreateUserPoolClientCommandInput, 'UserPoolId'>, pool = poolId): Promise<Client> => {
      const c = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: pool, ...input }))).UserPoolClient!;
      return { id: c.ClientId!, ...(c.ClientSecret && { secret: c.ClientSecret }) };
    };
    const oauth = {
      AllowedOAuthFlows: ['code' as const],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin', `${API}/read`],
      CallbackURLs: [CALLBACK, 'https://app.example/other-cb'],
      LogoutURLs: [SIGNED_OUT],
      SupportedIdentityProviders: ['COGNITO'],
    };
    spa = await createClient({ ClientName: 'spa', ...oauth });
    web = await createClient({ ClientName: 'web', GenerateSecret: true, ...oauth });
    other = await createClient({ ClientName: 'other', GenerateSecret: true, ...oauth });
    otherPoolClient = await createClient({ ClientName: 'elsewhere', ...oauth, AllowedOAuthScopes: ['openid', 'email', 'profile'] }, otherPoolId);
    for (const [pool, username] of [
      [poolId, 'alice'],
      [poolId, 'bob'],
      [otherPoolId, 'alice'],
    ] as const) {
      await s.admin.send(
        new AdminCreateUserCommand({
          UserPoolId: pool,
          Username: username,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: `${username}@example.com` },
            { Name: 'email_verified', Value: 'true' },
          ],
        }),
      );
      await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: pool, Username: username, Password: PASSWORD, Permanent: true }));
    }
  });
  afterAll(async () => s?.close());

  const base = () => `${s.url}/${poolId}`;
  const endpoint = (path: string, params: Record<string, string> | string = {}, pool = poolId) => {
    const query = typeof params === 'string' ? params : new URLSearchParams(params).toString();
    return `${s.url}/${pool}/${path}${query ? `?${query}` : ''}`;
  };

  /** Authorization parameters of a valid request of the public client. */
  const spaParams = (extra: Record<string, string> = {}) => {
    const { verifier, challenge } = pkcePair();
    return {
      verifier,
      params: { response_type: 'code', client_id: spa.id, redirect_uri: CALLBACK, scope: 'openid email', state: 'st-1', code_challenge: challenge, code_challenge_method: 'S256', ...extra },
    };
  };

  /** Signs alice in through the login form; returns the code (and the verifier when PKCE was used). */
  async function codeFor(client: Client, opts: { pkce?: boolean; redirectUri?: string; jar?: CookieJar; username?: string; scope?: string } = {}) {
    const pkce = opts.pkce ?? true ? pkcePair() : undefined;
    const params = {
      response_type: 'code',
      client_id: client.id,
      redirect_uri: opts.redirectUri ?? CALLBACK,
      scope: opts.scope ?? 'openid email',
      state: 'xyz',
      ...(pkce && { code_challenge: pkce.challenge, code_challenge_method: 'S256' }),
    };
    const callback = await signInThroughForm(endpoint('oauth2/authorize', params), opts.username ?? 'alice', PASSWORD, opts.jar);
    expect(callback.origin + callback.pathname).toBe(opts.redirectUri ?? CALLBACK);
    return { code: callback.searchParams.get('code')!, verifier: pkce?.verifier };
  }

  /** POSTs to the token endpoint as the given client (Basic for confidential clients, client_id in the body for public). */
  async function token(client: Client | undefined, form: Record<string, string | undefined>, headers: Record<string, string> = {}): Promise<Response> {
    const body = new URLSearchParams(Object.entries(form).filter((e): e is [string, string] => e[1] !== undefined));
    const auth: Record<string, string> = {};
    if (client?.secret) auth.authorization = basic(client);
    else if (client) body.set('client_id', client.id);
    return fetch(`${base()}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth, ...headers }, body: body.toString() });
  }

  async function exchange(client: Client, code: string, verifier: string | undefined, redirectUri = CALLBACK): Promise<Response> {
    return token(client, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
  }

  /** Tokens with the admin scope too, so the Cognito API (GetUser) accepts the genuine ones. */
  async function tokensFor(client: Client): Promise<TokenSet> {
    const { code, verifier } = await codeFor(client, { scope: `openid email ${ADMIN_SCOPE}` });
    const response = await exchange(client, code, verifier);
    expect(response.status).toBe(200);
    return (await response.json()) as TokenSet;
  }

  const userInfo = (accessToken: string) => fetch(`${base()}/oauth2/userInfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  const getUser = (accessToken: string) =>
    s.anonymous.send(new GetUserCommand({ AccessToken: accessToken })).then(
      () => 'accepted',
      (e: Error) => e.name,
    );

  async function expectGrantError(response: Response, error: string, status = 400) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { error: string; error_description?: string };
    expect(body.error).toBe(error);
    return body;
  }

  /** A response that must be the HTML error page: never a redirect, whatever else was wrong. */
  async function expectErrorPage(response: Response, status = 400): Promise<string> {
    expect(response.headers.get('location')).toBeNull();
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    return response.text();
  }

  describe('redirect URI matching', () => {
    const tricks: Array<[string, string]> = [
      ['an unregistered host', 'https://evil.example/cb'],
      ['a dot-dot path off a registered prefix', 'https://app.example/cb/../evil'],
      ['an encoded dot-dot path', 'https://app.example/cb/%2e%2e/evil'],
      ['a longer path under the registered one', 'https://app.example/cb/more'],
      ['a suffix on the registered path', 'https://app.example/cbx'],
      ['a suffix on the registered host', 'https://app.example.evil.example/cb'],
      ['an upper-case host', 'https://APP.example/cb'],
      ['an upper-case path', 'https://app.example/CB'],
      ['an upper-case scheme', 'HTTPS://app.example/cb'],
      ['an added fragment', 'https://app.example/cb#frag'],
      ['an empty fragment', 'https://app.example/cb#'],
      ['userinfo naming the registered host before another host', 'https://app.example@evil.example/cb'],
      ['userinfo added before the registered host', 'https://evil.example@app.example/cb'],
      ['a backslash trick', 'https://app.example\\@evil.example/cb'],
      ['an extra query', 'https://app.example/cb?next=https://evil.example'],
      ['an empty query', 'https://app.example/cb?'],
      ['a trailing slash', 'https://app.example/cb/'],
      ['a trailing dot on the host', 'https://app.example./cb'],
      ['an explicit default port', 'https://app.example:443/cb'],
      ['another port', 'https://app.example:8443/cb'],
      ['http instead of https', 'http://app.example/cb'],
      ['a percent-encoded path character', 'https://app.example/%63b'],
      ['the whole URI percent-encoded once more', encodeURIComponent(CALLBACK)],
      ['leading whitespace', ` ${CALLBACK}`],
      ['a trailing NUL byte', `${CALLBACK}\u0000`],
      ['a trailing newline', `${CALLBACK}\n`],
      ['the registered sign-out URL', SIGNED_OUT],
      ['a javascript: URI', 'javascript:alert(1)//https://app.example/cb'],
    ];

    it.each(tricks)('refuses %s with an error page and no redirect at authorize', async (_, redirectUri) => {
      const { params } = spaParams({ redirect_uri: redirectUri });
      const html = await expectErrorPage(await fetch(endpoint('oauth2/authorize', params), { redirect: 'manual' }));
      // A NUL byte is refused before the redirect URI is even looked at.
      expect(html).toContain(redirectUri.includes('\u0000') ? 'Invalid request' : 'Invalid redirect URI');
      expect(html).not.toContain('evil.example/cb"');
    });

    it.each(tricks)('refuses %s at the login page and the login form post too', async (_, redirectUri) => {
      const { params } = spaParams({ redirect_uri: redirectUri });
      await expectErrorPage(await fetch(endpoint('login', params), { redirect: 'manual' }));
      const posted = await fetch(endpoint('login', params), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=alice&password=x' });
      await expectErrorPage(posted);
    });

    it('refuses a registered redirect URI of another client in the same pool', async () => {
      const lone = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'lone', AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: ['openid'], CallbackURLs: ['https://lone.example/cb'] })))
        .UserPoolClient!.ClientId!;
      const { params } = spaParams({ client_id: lone, redirect_uri: CALLBACK });
      await expectErrorPage(await fetch(endpoint('oauth2/authorize', params), { redirect: 'manual' }));
    });

    it('shows the page, not a redirect, when the redirect URI is unproven and the rest of the request is wrong too', async () => {
      const { params } = spaParams({ redirect_uri: 'https://evil.example/cb', response_type: 'bogus', scope: 'nope', code_challenge_method: 'plain' });
      await expectErrorPage(await fetch(endpoint('oauth2/authorize', params), { redirect: 'manual' }));
    });

    it('shows an error page for a missing redirect_uri, an unknown client, a missing client and an unknown pool', async () => {
      const { params } = spaParams();
      const { redirect_uri: _, ...withoutRedirect } = params;
      await expectErrorPage(await fetch(endpoint('oauth2/authorize', withoutRedirect), { redirect: 'manual' }));
      await expectErrorPage(await fetch(endpoint('oauth2/authorize', { ...params, client_id: 'unknownclient0000000000000' }), { redirect: 'manual' }));
      const { client_id: __, ...withoutClient } = params;
      await expectErrorPage(await fetch(endpoint('oauth2/authorize', withoutClient), { redirect: 'manual' }));
      await expectErrorPage(await fetch(endpoint('oauth2/authorize', params, 'us-east-1_Nope00000'), { redirect: 'manual' }));
    });

    it('refuses a client of another pool at this pool', async () => {
      const { params } = spaParams({ client_id: otherPoolClient.id });
      await expectErrorPage(await fetch(endpoint('oauth2/authorize', params), { redirect: 'manual' }));
    });
  });

  describe('errors once the redirect URI is proven', () => {
    async function errorRedirect(extra: Record<string, string | undefined>, drop: string[] = []): Promise<URLSearchParams> {
      const { params } = spaParams({ state: 'state-ü&x=1' });
      const merged: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...params, ...extra })) if (v !== undefined && !drop.includes(k)) merged[k] = v;
      const response = await fetch(endpoint('oauth2/authorize', merged), { redirect: 'manual' });
      expect(response.status).toBe(302);
      const location = locationOf(response, endpoint('oauth2/authorize'));
      expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
      expect(location.hash).toBe('');
      expect(location.searchParams.get('code')).toBeNull();
      expect(location.searchParams.get('state')).toBe('state-ü&x=1');
      return location.searchParams;
    }

    it('redirects unsupported_response_type with the state', async () => {
      expect((await errorRedirect({ response_type: 'code id_token' })).get('error')).toBe('unsupported_response_type');
      expect((await errorRedirect({}, ['response_type'])).get('error')).toBe('unsupported_response_type');
    });

    it('redirects unauthorized_client in the fragment for the implicit flow when the client allows only code', async () => {
      const { params } = spaParams({ response_type: 'token', state: 'state-ü&x=1' });
      const { code_challenge: _, code_challenge_method: __, ...implicit } = params;
      const response = await fetch(endpoint('oauth2/authorize', implicit), { redirect: 'manual' });
      expect(response.status).toBe(302);
      const location = locationOf(response, endpoint('oauth2/authorize'));
      expect(`${location.origin}${location.pathname}${location.search}`).toBe(CALLBACK);
      const fragment = new URLSearchParams(location.hash.slice(1));
      expect(fragment.get('error')).toBe('unauthorized_client');
      expect(fragment.get('state')).toBe('state-ü&x=1');
      expect(fragment.get('access_token')).toBeNull();
    });

    it('redirects invalid_scope for a scope the client is not allowed', async () => {
      expect((await errorRedirect({ scope: 'openid admin:everything' })).get('error')).toBe('invalid_scope');
      expect((await errorRedirect({ scope: 'phone openid' })).get('error')).toBe('invalid_scope');
    });

    it('redirects invalid_request when a public client sends no PKCE challenge', async () => {
      expect((await errorRedirect({}, ['code_challenge', 'code_challenge_method'])).get('error')).toBe('invalid_request');
    });

    it('redirects invalid_request for the plain PKCE method, a missing method (which means plain) and an unknown one', async () => {
      const { verifier } = pkcePair();
      expect((await errorRedirect({ code_challenge: verifier, code_challenge_method: 'plain' })).get('error')).toBe('invalid_request');
      expect((await errorRedirect({}, ['code_challenge_method'])).get('error')).toBe('invalid_request');
      expect((await errorRedirect({ code_challenge_method: 's256' })).get('error')).toBe('invalid_request');
      expect((await errorRedirect({ code_challenge: 'too-short' })).get('error')).toBe('invalid_request');
    });

    it('redirects invalid_request for an identity provider that is not configured', async () => {
      expect((await errorRedirect({ identity_provider: 'Google' })).get('error')).toBe('invalid_request');
    });
  });

  describe('authorization codes', () => {
    it('issues a code once: a replay is invalid_grant and revokes every token of the first redemption', async () => {
      const { code, verifier } = await codeFor(web, { scope: `openid ${ADMIN_SCOPE}` });
      const first = await exchange(web, code, verifier);
      expect(first.status).toBe(200);
      const tokens = (await first.json()) as TokenSet;
      expect((await userInfo(tokens.access_token)).status).toBe(200);
      expect(await getUser(tokens.access_token)).toBe('accepted');

      await expectGrantError(await exchange(web, code, verifier), 'invalid_grant');

      const info = await userInfo(tokens.access_token);
      expect(info.status).toBe(401);
      expect(info.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect(await getUser(tokens.access_token)).toBe('NotAuthorizedException');
      await expectGrantError(await token(web, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }), 'invalid_grant');
    });

    it('redeems a code only once when two redemptions race', async () => {
      const { code, verifier } = await codeFor(web);
      const results = await Promise.all([exchange(web, code, verifier), exchange(web, code, verifier), exchange(web, code, verifier)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    });

    it('refuses a code presented by another client with invalid_grant', async () => {
      const { code, verifier } = await codeFor(web);
      await expectGrantError(await exchange(other, code, verifier), 'invalid_grant');
    });

    it('refuses a public client code presented by a confidential client, and the reverse', async () => {
      const a = await codeFor(spa);
      await expectGrantError(await exchange(web, a.code, a.verifier), 'invalid_grant');
      const b = await codeFor(web);
      await expectGrantError(await exchange(spa, b.code, b.verifier), 'invalid_grant');
    });

    it('refuses a code from another pool', async () => {
      const callback = await signInThroughForm(endpoint('oauth2/authorize', { ...spaParams({ client_id: otherPoolClient.id }).params }, otherPoolId), 'alice', PASSWORD);
      const code = callback.searchParams.get('code')!;
      await expectGrantError(await exchange(spa, code, pkcePair().verifier), 'invalid_grant');
    });

    it('refuses a redirect_uri at the token endpoint that differs from the authorization request, or is missing', async () => {
      const { code, verifier } = await codeFor(web);
      await expectGrantError(await exchange(web, code, verifier, 'https://app.example/other-cb'), 'invalid_grant');
      await expectGrantError(await token(web, { grant_type: 'authorization_code', code, code_verifier: verifier }), 'invalid_grant');
      await expectGrantError(await exchange(web, code, verifier, `${CALLBACK}/`), 'invalid_grant');
    });

    it('refuses a wrong, a malformed or a missing code_verifier', async () => {
      const { code, verifier } = await codeFor(spa);
      await expectGrantError(await exchange(spa, code, pkcePair().verifier), 'invalid_grant');
      await expectGrantError(await exchange(spa, code, `${verifier}!`), 'invalid_grant');
      await expectGrantError(await exchange(spa, code, 'short'), 'invalid_grant');
      await expectGrantError(await exchange(spa, code, undefined), 'invalid_grant');
    });

    it('refuses the challenge itself sent as the verifier (a downgrade to plain)', async () => {
      const pkce = pkcePair();
      const callback = await signInThroughForm(endpoint('oauth2/authorize', { ...spaParams({ code_challenge: pkce.challenge }).params }), 'alice', PASSWORD);
      await expectGrantError(await exchange(spa, callback.searchParams.get('code')!, pkce.challenge), 'invalid_grant');
    });

    it('refuses a code_verifier for a code issued without a challenge', async () => {
      const { code } = await codeFor(web, { pkce: false });
      await expectGrantError(await exchange(web, code, pkcePair().verifier), 'invalid_grant');
    });

    it('redeems a confidential client code issued without PKCE when no verifier is sent', async () => {
      const { code } = await codeFor(web, { pkce: false });
      expect((await exchange(web, code, undefined)).status).toBe(200);
    });

    it('refuses an unknown code and an empty code', async () => {
      await expectGrantError(await exchange(web, randomBytes(32).toString('base64url'), undefined), 'invalid_grant');
      await expectGrantError(await token(web, { grant_type: 'authorization_code', code: '', redirect_uri: CALLBACK }), 'invalid_request');
    });

    it('refuses a code after it expires (five minutes)', async () => {
      const { code, verifier } = await codeFor(web);
      clock.advance(5 * 60_000 + 1_000);
      try {
        await expectGrantError(await exchange(web, code, verifier), 'invalid_grant');
      } finally {
        // Back to real time: the admin SDK signs with the real clock, and SigV4 allows five minutes of skew.
        clock.advance(-(5 * 60_000 + 1_000));
      }
    });
  });

  describe('state', () => {
    const states = [
      ['plain ASCII', 'af0ifjsldkj'],
      ['unicode', 'ünïcødé ✓ 雪 🔐'],
      ['ampersands and equals signs', 'a&b=c&state=evil'],
      ['URL syntax', 'https://x.example/?q=1#frag %20+/'],
      ['quotes and angle brackets', `"'><script>alert(1)</script>`],
    ];

    it.each(states)('passes %s state back unchanged with the code', async (_, state) => {
      const { params } = spaParams({ state });
      const callback = await signInThroughForm(endpoint('oauth2/authorize', params), 'alice', PASSWORD);
      expect(callback.searchParams.get('state')).toBe(state);
      expect(callback.searchParams.getAll('state')).toHaveLength(1);
      expect(callback.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    });

    it('passes the state back unchanged to a signed-in browser that skips the form', async () => {
      const jar = new CookieJar();
      await signInThroughForm(endpoint('oauth2/authorize', spaParams().params), 'alice', PASSWORD, jar);
      const state = 'second & ünïcødé';
      const response = await browserFetch(endpoint('oauth2/authorize', spaParams({ state }).params), jar);
      expect(response.status).toBe(302);
      expect(locationOf(response, base()).searchParams.get('state')).toBe(state);
    });

    it('leaves state out of the callback when the request had none', async () => {
      const { params } = spaParams();
      const { state: _, ...withoutState } = params;
      const callback = await signInThroughForm(endpoint('oauth2/authorize', withoutState), 'alice', PASSWORD);
      expect(callback.searchParams.has('state')).toBe(false);
    });
  });

  describe('CSRF on the login form', () => {
    async function expectRefused(response: Response) {
      expect(response.status).toBe(403);
      expect(response.headers.get('location')).toBeNull();
      expect(setCookies(response).has('tessera_session')).toBe(false);
      expect(await response.text()).toContain('Your session expired');
    }

    it('refuses a login post without _csrf', async () => {
      const jar = new CookieJar();
      const page = await openLoginPage(endpoint('login', spaParams().params), jar);
      await expectRefused(await browserFetch(page.action, jar, { form: { username: 'alice', password: PASSWORD } }));
    });

    it('refuses a login post whose token belongs to another browser', async () => {
      const victim = new CookieJar();
      const attacker = new CookieJar();
      const { params } = spaParams();
      const attackerPage = await openLoginPage(endpoint('login', params), attacker);
      await openLoginPage(endpoint('login', params), victim);
      expect(victim.cookies.get('tessera_browser')).not.toBe(attacker.cookies.get('tessera_browser'));
      await expectRefused(await browserFetch(attackerPage.action, victim, { form: { _csrf: attackerPage.csrf, username: 'alice', password: PASSWORD } }));
    });

    it('refuses a login post whose token was issued for another pool to the same browser', async () => {
      const jar = new CookieJar();
      const page = await openLoginPage(endpoint('login', spaParams().params), jar);
      const elsewhere = await openLoginPage(endpoint('login', spaParams({ client_id: otherPoolClient.id }).params, otherPoolId), jar);
      expect(elsewhere.csrf).not.toBe(page.csrf);
      await expectRefused(await browserFetch(page.action, jar, { form: { _csrf: elsewhere.csrf, username: 'alice', password: PASSWORD } }));
    });

    it('refuses a login post that carries a token but no browser cookie (a cross-site form)', async () => {
      const jar = new CookieJar();
      const page = await openLoginPage(endpoint('login', spaParams().params), jar);
      await expectRefused(await browserFetch(page.action, new CookieJar(), { form: { _csrf: page.csrf, username: 'alice', password: PASSWORD } }));
    });

    it('refuses a login post with a tampered token', async () => {
      const jar = new CookieJar();
      const page = await openLoginPage(endpoint('login', spaParams().params), jar);
      const flipped = (page.csrf[0] === 'A' ? 'B' : 'A') + page.csrf.slice(1);
      await expectRefused(await browserFetch(page.action, jar, { form: { _csrf: flipped, username: 'alice', password: PASSWORD } }));
    });

    it('refuses a login post that repeats the token (RFC 6749 §3.1) with 400 and no session', async () => {
      const jar = new CookieJar();
      const page = await openLoginPage(endpoint('login', spaParams().params), jar);
      const twice = new URLSearchParams([['_csrf', page.csrf], ['_csrf', page.csrf], ['username', 'alice'], ['password', PASSWORD]]).toString();
      const response = await browserFetch(page.action, jar, { body: twice, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(setCookies(response).has('tessera_session')).toBe(false);
    });

    it.each(['newPassword', 'signup', 'confirm', 'resendCode', 'forgotPassword', 'confirmForgotPassword'])('refuses a %s post without _csrf with 403', async (path) => {
      const jar = new CookieJar();
      await openLoginPage(endpoint('login', spaParams().params), jar);
      const response = await browserFetch(endpoint(path, spaParams().params), jar, {
        form: { username: 'csrf-victim', password: PASSWORD, confirm_password: PASSWORD, email: 'csrf-victim@example.com', code: '123456', session: 'x' },
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('location')).toBeNull();
      expect(setCookies(response).has('tessera_session')).toBe(false);
    });

    it('does nothing on a forged signup or forgotPassword post: no user is created and no code is sent', async () => {
      const jar = new CookieJar();
      const page = await openLoginPage(endpoint('login', spaParams().params), jar);
      const before = (await s.tessera.outbox.list({ destination: 'alice@example.com' })).length;
      expect((await browserFetch(endpoint('forgotPassword', spaParams().params), jar, { form: { _csrf: 'forged', username: 'alice' } })).status).toBe(403);
      expect((await s.tessera.outbox.list({ destination: 'alice@example.com' })).length).toBe(before);
      expect((await browserFetch(endpoint('signup', spaParams().params), jar, { form: { _csrf: `${page.csrf}x`, username: 'forged-signup', password: PASSWORD, email: 'forged@example.com' } })).status).toBe(403);
      const lookup = await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'forged-signup' })).then(() => 'exists', (e: Error) => e.name);
      expect(lookup).toBe('UserNotFoundException');
    });

    it('accepts the same post with the right token (the control case)', async () => {
      const jar = new CookieJar();
      const page = await openLoginPage(endpoint('login', spaParams().params), jar);
      const response = await browserFetch(page.action, jar, { form: { _csrf: page.csrf, username: 'alice', password: PASSWORD } });
      expect(response.status).toBe(302);
      expect(setCookies(response).has('tessera_session')).toBe(true);
    });
  });

  describe('login rate limiting', () => {
    it('shows Password attempts exceeded from the sixth attempt, even with the right password, until the lock passes', async () => {
      const jar = new CookieJar();
      const page = await openLoginPage(endpoint('login', spaParams().params), jar);
      const attempt = (password: string) => browserFetch(page.action, jar, { form: { _csrf: page.csrf, username: 'bob', password } });
      for (let i = 1; i <= 5; i++) {
        const response = await attempt(`wrong-${i}`);
        expect(response.status).toBe(400);
        expect(await response.text()).toContain('Incorrect username or password.');
      }
      const sixth = await attempt('wrong-6');
      expect(sixth.status).toBe(400);
      expect(await sixth.text()).toContain('Password attempts exceeded');
      const right = await attempt(PASSWORD);
      expect(right.status).toBe(400);
      expect(right.headers.get('location')).toBeNull();
      expect(setCookies(right).has('tessera_session')).toBe(false);
      expect(await right.text()).toContain('Password attempts exceeded');

      clock.advance(60_000);
      try {
        expect((await attempt(PASSWORD)).status).toBe(302);
      } finally {
        clock.advance(-60_000);
      }
    });

    it('counts failures for a user who does not exist the same way', async () => {
      const jar = new CookieJar();
      const page = await openLoginPage(endpoint('login', spaParams().params), jar);
      const attempt = () => browserFetch(page.action, jar, { form: { _csrf: page.csrf, username: 'nobody-here', password: 'whatever-1' } });
      for (let i = 1; i <= 5; i++) expect(await (await attempt()).text()).toContain('Incorrect username or password.');
      expect(await (await attempt()).text()).toContain('Password attempts exceeded');
    });
  });

  describe('forged tokens', () => {
    let genuine: TokenSet;
    let accessJwk: JWK;

    beforeAll(async () => {
      genuine = await tokensFor(web);
      const jwks = (await (await fetch(`${base()}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
      const kid = decodeProtectedHeader(genuine.access_token).kid;
      accessJwk = jwks.keys.find((k) => k.kid === kid)!;
      expect(accessJwk).toBeDefined();
    });

    const forge = (header: Record<string, unknown>, sign: (input: string) => string) => {
      const input = `${b64url(header)}.${b64url(decodeJwt(genuine.access_token))}`;
      return `${input}.${sign(input)}`;
    };
    const hs256 = (secret: string | Buffer) => (input: string) => createHmac('sha256', secret).update(input).digest('base64url');
    const publicPem = () => createPublicKey({ key: accessJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();

    const forgeries: Array<[string, () => string]> = [
      ['alg none with an empty signature', () => forge({ alg: 'none', typ: 'JWT' }, () => '')],
      ['alg none keeping the kid', () => forge({ alg: 'none', kid: accessJwk.kid }, () => '')],
      ['alg None in another case', () => forge({ alg: 'None', kid: accessJwk.kid }, () => '')],
      ['HS256 keyed with the public key PEM', () => forge({ alg: 'HS256', kid: accessJwk.kid }, hs256(publicPem()))],
      ['HS256 keyed with the public JWK JSON', () => forge({ alg: 'HS256', kid: accessJwk.kid }, hs256(JSON.stringify(accessJwk)))],
      ['HS256 keyed with the modulus', () => forge({ alg: 'HS256', kid: accessJwk.kid }, hs256(Buffer.from(accessJwk.n!, 'base64url')))],
      ['the genuine signature over changed claims', () => `${genuine.access_token.split('.')[0]}.${b64url({ ...decodeJwt(genuine.access_token), username: 'bob', exp: decodeJwt(genuine.access_token).exp! + 86_400 })}.${genuine.access_token.split('.')[2]}`],
      ['an embedded jwk header', () => forge({ alg: 'RS256', kid: accessJwk.kid, jwk: accessJwk }, () => genuine.access_token.split('.')[2]!)],
    ];

    it('accepts the genuine token (the control case)', async () => {
      expect((await userInfo(genuine.access_token)).status).toBe(200);
      expect(await getUser(genuine.access_token)).toBe('accepted');
    });

    it.each(forgeries)('refuses a token forged with %s at userInfo', async (_, make) => {
      const response = await userInfo(make());
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect(await response.json()).toMatchObject({ error: 'invalid_token' });
    });

    it.each(forgeries)('refuses a token forged with %s at the Cognito GetUser API', async (_, make) => {
      expect(await getUser(make())).toBe('NotAuthorizedException');
    });

    it('refuses the ID token where an access token is expected', async () => {
      expect((await userInfo(genuine.id_token!)).status).toBe(401);
      expect(await getUser(genuine.id_token!)).toBe('NotAuthorizedException');
    });

    it('refuses a missing, empty or non-Bearer authorization at userInfo', async () => {
      expect((await fetch(`${base()}/oauth2/userInfo`)).status).toBe(401);
      expect((await fetch(`${base()}/oauth2/userInfo`, { headers: { authorization: 'Bearer ' } })).status).toBe(401);
      expect((await fetch(`${base()}/oauth2/userInfo`, { headers: { authorization: `Basic ${genuine.access_token}` } })).status).toBe(401);
    });

    it('refuses a genuine token of this pool at another pool userInfo', async () => {
      const response = await fetch(`${s.url}/${otherPoolId}/oauth2/userInfo`, { headers: { authorization: `Bearer ${genuine.access_token}` } });
      expect(response.status).toBe(401);
    });
  });

  describe('token endpoint responses', () => {
    it('marks a successful token response no-store and no-cache', async () => {
      const { code, verifier } = await codeFor(web);
      const response = await exchange(web, code, verifier);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('pragma')).toBe('no-cache');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('marks error and refresh responses no-store and no-cache too', async () => {
      const failed = await exchange(web, 'nope', undefined);
      expect(failed.headers.get('cache-control')).toBe('no-store');
      expect(failed.headers.get('pragma')).toBe('no-cache');
      const tokens = await tokensFor(web);
      const refreshed = await token(web, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      expect(refreshed.status).toBe(200);
      expect(refreshed.headers.get('cache-control')).toBe('no-store');
      expect(refreshed.headers.get('pragma')).toBe('no-cache');
    });

    it('answers a wrong secret over Basic with 401 invalid_client and a Basic challenge', async () => {
      const response = await token(undefined, { grant_type: 'client_credentials' }, { authorization: basic(web, 'wrong-secret') });
      await expectGrantError(response, 'invalid_client', 401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it('answers a wrong secret in the body, an unknown client and no client at all with invalid_client', async () => {
      await expectGrantError(await token(undefined, { grant_type: 'client_credentials', client_id: web.id, client_secret: 'wrong' }), 'invalid_client', 401);
      await expectGrantError(await token(undefined, { grant_type: 'client_credentials', client_id: 'nobody0000000000000000000' }), 'invalid_client', 401);
      await expectGrantError(await token(undefined, { grant_type: 'client_credentials' }), 'invalid_client', 401);
      await expectGrantError(await token(undefined, { grant_type: 'client_credentials', client_id: web.id }), 'invalid_client', 401);
    });

    it('answers a malformed Basic header with invalid_client', async () => {
      await expectGrantError(await token(undefined, { grant_type: 'client_credentials' }, { authorization: 'Basic !!!' }), 'invalid_client', 401);
      await expectGrantError(await token(undefined, { grant_type: 'client_credentials' }, { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }), 'invalid_client', 401);
    });

    it('refuses two client authentication methods at once with invalid_request', async () => {
      await expectGrantError(await token(web, { grant_type: 'client_credentials', client_secret: web.secret }), 'invalid_request');
    });

    it('answers unsupported_grant_type for password and implicit grants, and invalid_request for a missing grant_type', async () => {
      await expectGrantError(await token(web, { grant_type: 'password', username: 'alice', password: PASSWORD }), 'unsupported_grant_type');
      await expectGrantError(await token(web, { grant_type: 'implicit' }), 'unsupported_grant_type');
      await expectGrantError(await token(web, {}), 'invalid_request');
    });

    it('answers invalid_request for a JSON, text or multipart body', async () => {
      const { code, verifier } = await codeFor(web);
      const bodies: Array<[string, string]> = [
        ['application/json', JSON.stringify({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier })],
        ['text/plain', `grant_type=authorization_code&code=${code}`],
        ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nauthorization_code\r\n--x--\r\n`],
        ['application/xml', '<grant_type>authorization_code</grant_type>'],
      ];
      for (const [type, body] of bodies) {
        const response = await fetch(`${base()}/oauth2/token`, { method: 'POST', headers: { 'content-type': type, authorization: basic(web) }, body });
        expect(response.status, type).toBeGreaterThanOrEqual(400);
        expect(response.status, type).toBeLessThan(500);
        expect(response.headers.get('cache-control'), type).toBe('no-store');
        expect(response.headers.get('pragma'), type).toBe('no-cache');
        expect(((await response.json()) as { error: string }).error, type).toBe('invalid_request');
      }
      // The code was never redeemed by those requests.
      expect((await exchange(web, code, verifier)).status).toBe(200);
    });

    it('refuses the token endpoint over GET', async () => {
      const response = await fetch(`${base()}/oauth2/token?grant_type=client_credentials`, { headers: { authorization: basic(web) } });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    });
  });

  describe('hosted UI pages', () => {
    const pageUrls = () => [
      ['the login page', endpoint('login', spaParams().params)],
      ['the forgot-password page', endpoint('forgotPassword', spaParams().params)],
      ['the signup page', endpoint('signup', spaParams().params)],
      ['the error page', endpoint('login', spaParams({ redirect_uri: 'https://evil.example/' }).params)],
      ['the signed-out page', endpoint('logout', { client_id: spa.id })],
    ];

    it('sends CSP with frame-ancestors none, X-Frame-Options DENY, nosniff and no-referrer on every page', async () => {
      for (const [name, url] of pageUrls()) {
        const response = await fetch(url!, { redirect: 'manual' });
        expect(response.headers.get('content-type'), name).toMatch(/^text\/html/);
        const csp = response.headers.get('content-security-policy') ?? '';
        expect(csp, name).toContain("frame-ancestors 'none'");
        expect(csp, name).toContain("default-src 'none'");
        expect(csp, name).not.toContain('unsafe-inline');
        expect(csp, name).not.toContain('unsafe-eval');
        expect(response.headers.get('x-frame-options'), name).toBe('DENY');
        expect(response.headers.get('x-content-type-options'), name).toBe('nosniff');
        expect(response.headers.get('referrer-policy'), name).toBe('no-referrer');
        expect(response.headers.get('cache-control'), name).toBe('no-store');
      }
    });

    it('sets HttpOnly SameSite cookies scoped to the pool path', async () => {
      const jar = new CookieJar();
      const page = await browserFetch(endpoint('login', spaParams().params), jar);
      const browser = setCookies(page).get('tessera_browser')!;
      expect(browser).toMatch(/;\s*HttpOnly/i);
      expect(browser).toMatch(/;\s*SameSite=(Strict|Lax)/i);
      expect(browser).toMatch(new RegExp(`;\\s*Path=/${poolId}(;|$)`));
      const form = await openLoginPage(endpoint('login', spaParams().params), jar);
      const posted = await browserFetch(form.action, jar, { form: { _csrf: form.csrf, username: 'alice', password: PASSWORD } });
      const session = setCookies(posted).get('tessera_session')!;
      expect(session).toMatch(/;\s*HttpOnly/i);
      expect(session).toMatch(/;\s*SameSite=Lax/i);
      expect(session).toMatch(new RegExp(`;\\s*Path=/${poolId}(;|$)`));
      expect(session).toMatch(/;\s*Max-Age=\d+/i);
    });

    it('marks both cookies Secure when the request reached a trusted proxy over https', async () => {
      const proxied = await buildServer(s.tessera, { credentials: [ADMIN_CREDENTIALS], logLevel: 'warn', trustProxy: true });
      try {
        const page = await proxied.inject({ method: 'GET', url: `/${poolId}/login?${new URLSearchParams(spaParams().params)}`, headers: { 'x-forwarded-proto': 'https' } });
        const browserCookie = String(page.headers['set-cookie']);
        expect(browserCookie).toMatch(/^tessera_browser=([^;]+);.*;\s*Secure/i);
        const cookie = /^tessera_browser=([^;]+)/.exec(browserCookie)![1]!;
        const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
        const posted = await proxied.inject({
          method: 'POST',
          url: `/${poolId}/login?${new URLSearchParams(spaParams().params)}`,
          headers: { 'x-forwarded-proto': 'https', cookie: `tessera_browser=${cookie}`, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ _csrf: csrf, username: 'alice', password: PASSWORD }).toString(),
        });
        expect(posted.statusCode).toBe(302);
        const session = ([] as string[]).concat(posted.headers['set-cookie'] ?? []).find((c) => c.startsWith('tessera_session='))!;
        expect(session).toMatch(/;\s*Secure/i);
        expect(session).toMatch(/;\s*HttpOnly/i);
      } finally {
        await proxied.close();
      }
    });

    it('does not mark cookies Secure over plain http', async () => {
      const page = await fetch(endpoint('login', spaParams().params));
      expect(setCookies(page).get('tessera_browser')).not.toMatch(/;\s*Secure/i);
    });

    it('escapes hostile authorize parameters in the page instead of rendering them', async () => {
      const hostile = `"><script>alert(1)</script>`;
      const html = await (await fetch(endpoint('login', spaParams({ state: hostile, nonce: hostile }).params))).text();
      expect(html).not.toContain('<script>');
    });
  });

  describe('the sign-in session', () => {
    it('skips the form on a second authorize in the same browser, and prompt=login forces it again', async () => {
      const jar = new CookieJar();
      await signInThroughForm(endpoint('oauth2/authorize', spaParams().params), 'alice', PASSWORD, jar);
      const again = await browserFetch(endpoint('oauth2/authorize', spaParams().params), jar);
      expect(again.status).toBe(302);
      const callback = locationOf(again, base());
      expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
      expect(callback.searchParams.get('code')).toBeTruthy();
      expect(again.headers.get('cache-control')).toBe('no-store');

      const forced = await browserFetch(endpoint('oauth2/authorize', spaParams({ prompt: 'login' }).params), jar);
      expect(forced.status).toBe(302);
      const login = locationOf(forced, endpoint('oauth2/authorize'));
      expect(login.pathname).toBe(`/${poolId}/login`);
      const page = await browserFetch(login, jar);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('name="password"');
    });

    it('answers prompt=none without a session with login_required at the callback, never the form', async () => {
      for (const path of ['oauth2/authorize', 'login']) {
        const response = await fetch(endpoint(path, spaParams({ prompt: 'none', state: 'silent ✓' }).params), { redirect: 'manual' });
        expect(response.status, path).toBe(302);
        const callback = locationOf(response, endpoint(path));
        expect(`${callback.origin}${callback.pathname}`, path).toBe(CALLBACK);
        expect(callback.searchParams.get('error'), path).toBe('login_required');
        expect(callback.searchParams.get('state'), path).toBe('silent ✓');
      }
    });

    it('answers prompt=none with a code when the browser is signed in', async () => {
      const jar = new CookieJar();
      await signInThroughForm(endpoint('oauth2/authorize', spaParams().params), 'alice', PASSWORD, jar);
      const response = await browserFetch(endpoint('oauth2/authorize', spaParams({ prompt: 'none' }).params), jar);
      expect(response.status).toBe(302);
      expect(locationOf(response, base()).searchParams.get('code')).toBeTruthy();
    });

    it('does not carry a session from one pool to another', async () => {
      const jar = new CookieJar();
      await signInThroughForm(endpoint('oauth2/authorize', spaParams().params), 'alice', PASSWORD, jar);
      const elsewhere = await browserFetch(endpoint('oauth2/authorize', spaParams({ client_id: otherPoolClient.id }).params, otherPoolId), jar);
      expect(elsewhere.status).toBe(302);
      expect(locationOf(elsewhere, endpoint('oauth2/authorize', {}, otherPoolId)).pathname).toBe(`/${otherPoolId}/login`);
    });

    it('refuses an unregistered logout_uri with an error page, and keeps the session', async () => {
      const jar = new CookieJar();
      await signInThroughForm(endpoint('oauth2/authorize', spaParams().params), 'alice', PASSWORD, jar);
      for (const logoutUri of ['https://evil.example/signed-out', `${SIGNED_OUT}/../evil`, `${SIGNED_OUT}x`, CALLBACK, `${SIGNED_OUT}?x=1`]) {
        await expectErrorPage(await browserFetch(endpoint('logout', { client_id: spa.id, logout_uri: logoutUri }), jar));
      }
      await expectErrorPage(await browserFetch(endpoint('logout', { client_id: 'unknown000000000000000000', logout_uri: SIGNED_OUT }), jar));
      expect((await browserFetch(endpoint('oauth2/authorize', spaParams().params), jar)).headers.get('location')).toMatch(/^https:\/\/app\.example\/cb\?/);
    });

    it('signs out to a registered logout_uri, after which the session cookie, even a copy of it, no longer skips the form', async () => {
      const jar = new CookieJar();
      await signInThroughForm(endpoint('oauth2/authorize', spaParams().params), 'alice', PASSWORD, jar);
      const stolen = jar.clone();
      const out = await browserFetch(endpoint('logout', { client_id: spa.id, logout_uri: SIGNED_OUT }), jar);
      expect(out.status).toBe(302);
      expect(out.headers.get('location')).toBe(SIGNED_OUT);
      expect(jar.cookies.has('tessera_session')).toBe(false);
      for (const browser of [jar, stolen]) {
        const again = await browserFetch(endpoint('oauth2/authorize', spaParams().params), browser);
        expect(again.status).toBe(302);
        expect(locationOf(again, endpoint('oauth2/authorize')).pathname).toBe(`/${poolId}/login`);
      }
    });

    it('refuses logout with redirect_uri that is not a registered callback, without redirecting', async () => {
      const { params } = spaParams({ redirect_uri: 'https://evil.example/cb' });
      const response = await fetch(endpoint('logout', params), { redirect: 'manual' });
      expect(response.headers.get('location')).toBeNull();
      expect(response.status).toBe(400);
    });
  });

  describe('huge and garbage parameters', () => {
    const authorizeQueries = (): Array<[string, string]> => {
      const { params } = spaParams();
      const q = (extra: Record<string, string>) => new URLSearchParams({ ...params, ...extra }).toString();
      return [
        ['a 10 KB state', q({ state: 'x'.repeat(10_000) })],
        ['a 10 KB nonce', q({ nonce: 'n'.repeat(10_000) })],
        ['a 10 KB redirect_uri', q({ redirect_uri: `${CALLBACK}?${'a'.repeat(10_000)}` })],
        ['a NUL byte in client_id', q({ client_id: `${spa.id}\u0000` })],
        ['a NUL byte alone as client_id', q({ client_id: '\u0000' })],
        ['a NUL byte in redirect_uri', q({ redirect_uri: `https://app.example/\u0000cb` })],
        ['two client_ids', `${q({})}&client_id=${spa.id}`],
        ['two redirect_uris', `${q({})}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`],
        ['two states', `${q({})}&state=again`],
        ['two scopes', `${q({})}&scope=openid`],
        ['two code challenges', `${q({})}&code_challenge=${pkcePair().challenge}`],
        ['a lone percent sign as client_id', `${q({})}&client_id=%`],
      ];
    };

    it('answers every garbage authorize request with a 4xx page, never a redirect or a 500', async () => {
      for (const [name, query] of authorizeQueries()) {
        for (const path of ['oauth2/authorize', 'login']) {
          const response = await fetch(`${base()}/${path}?${query}`, { redirect: 'manual' });
          expect(response.status, `${name} at ${path}`).toBeGreaterThanOrEqual(400);
          expect(response.status, `${name} at ${path}`).toBeLessThan(500);
          expect(response.headers.get('location'), `${name} at ${path}`).toBeNull();
        }
      }
    });

    it('ignores unknown, bracketed and prototype-polluting keys (RFC 6749 §3.1), sending the browser only to the login page', async () => {
      const { params } = spaParams();
      const q = new URLSearchParams(params).toString();
      for (const extra of ['client_id[]=a&client_id[]=b', 'redirect_uri[href]=https://evil.example', '__proto__[redirect_uri]=https://evil.example&constructor[prototype][x]=1']) {
        const response = await fetch(`${base()}/oauth2/authorize?${q}&${extra}`, { redirect: 'manual' });
        expect(response.status, extra).toBe(302);
        expect(locationOf(response, endpoint('oauth2/authorize')).pathname, extra).toBe(`/${poolId}/login`);
      }
    });

    it('never answers a NUL byte in state or nonce with a 500', async () => {
      for (const extra of [{ state: 'a\u0000b' }, { nonce: '\u0000' }, { scope: 'openid\u0000' }, { prompt: '\u0000' }] as Array<Record<string, string>>) {
        const response = await fetch(endpoint('oauth2/authorize', spaParams(extra).params), { redirect: 'manual' });
        expect(response.status, JSON.stringify(extra)).toBeLessThan(500);
      }
      const { state: _, ...withoutState } = spaParams().params;
      const badEncoding = await fetch(`${endpoint('oauth2/authorize', withoutState)}&state=%E0%A4%A`, { redirect: 'manual' });
      expect(badEncoding.status).toBeLessThan(500);
    });

    it('answers garbage login form posts with 4xx, never a 500', async () => {
      const jar = new CookieJar();
      const page = await openLoginPage(endpoint('login', spaParams().params), jar);
      const post = (body: string) => browserFetch(page.action, jar, { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const csrf = `_csrf=${encodeURIComponent(page.csrf)}`;
      const bodies: Array<[string, string]> = [
        ['two usernames', `${csrf}&username=alice&username=bob&password=x`],
        ['two passwords', `${csrf}&username=alice&password=a&password=b`],
        ['a bracketed username', `${csrf}&username[]=alice&password=x`],
        ['a NUL in the username', `${csrf}&username=ali%00ce&password=x`],
        ['a NUL in the password', `${csrf}&username=alice&password=%00`],
        ['a 10 KB username', `${csrf}&username=${'u'.repeat(10_000)}&password=x`],
        ['a 10 KB password', `${csrf}&username=alice&password=${'p'.repeat(10_000)}`],
        ['bad percent-encoding', `${csrf}&username=%E0%A4%A&password=x`],
        ['a body over the limit', `${csrf}&username=alice&password=${'p'.repeat(70 * 1024)}`],
      ];
      for (const [name, body] of bodies) {
        const response = await post(body);
        expect(response.status, name).toBeGreaterThanOrEqual(400);
        expect(response.status, name).toBeLessThan(500);
        expect(setCookies(response).has('tessera_session'), name).toBe(false);
      }
    });

    it('answers garbage token requests with RFC 6749 JSON errors, never a 500', async () => {
      const { code, verifier } = await codeFor(web);
      const tokens = await tokensFor(web);
      const bodies: Array<[string, string]> = [
        ['two grant types', 'grant_type=authorization_code&grant_type=refresh_token'],
        ['two codes', `grant_type=authorization_code&code=${code}&code=${code}&redirect_uri=${encodeURIComponent(CALLBACK)}`],
        ['two verifiers', `grant_type=authorization_code&code=x&redirect_uri=${encodeURIComponent(CALLBACK)}&code_verifier=${verifier}&code_verifier=${verifier}`],
        ['two redirect URIs', `grant_type=authorization_code&code=x&redirect_uri=a&redirect_uri=b`],
        ['two refresh tokens', `grant_type=refresh_token&refresh_token=${tokens.refresh_token}&refresh_token=${tokens.refresh_token}`],
        ['two scopes', `grant_type=client_credentials&scope=a&scope=b`],
        ['a bracketed code', `grant_type=authorization_code&code[]=x&redirect_uri=${encodeURIComponent(CALLBACK)}`],
        ['a NUL code', `grant_type=authorization_code&code=%00&redirect_uri=${encodeURIComponent(CALLBACK)}`],
        ['a 10 KB code', `grant_type=authorization_code&code=${'c'.repeat(10_000)}&redirect_uri=${encodeURIComponent(CALLBACK)}`],
        ['a 10 KB refresh token', `grant_type=refresh_token&refresh_token=${'r'.repeat(10_000)}`],
        ['bad percent-encoding', 'grant_type=authorization_code&code=%E0%A4%A'],
        ['a body over the limit', `grant_type=authorization_code&code=${'c'.repeat(70 * 1024)}`],
      ];
      for (const [name, body] of bodies) {
        const response = await fetch(`${base()}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(web) }, body });
        expect(response.status, name).toBeGreaterThanOrEqual(400);
        expect(response.status, name).toBeLessThan(500);
        expect(response.headers.get('cache-control'), name).toBe('no-store');
        expect(response.headers.get('pragma'), name).toBe('no-cache');
        expect(((await response.json()) as { error?: string }).error, name).toMatch(/^(invalid_request|invalid_grant|unsupported_grant_type|invalid_scope)$/);
      }
      const twoClientIds = await fetch(`${base()}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=client_credentials&client_id=${spa.id}&client_id=${web.id}` });
      expect(twoClientIds.status).toBeLessThan(500);
      expect(twoClientIds.status).toBeGreaterThanOrEqual(400);
    });

    it('answers garbage revoke, userInfo and logout requests with 4xx, never a 500', async () => {
      const revoke = (body: string) => fetch(`${base()}/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(web) }, body });
      for (const body of ['token=a&token=b', 'token[]=a', 'token=%00', `token=${'t'.repeat(10_000)}`]) {
        const response = await revoke(body);
        expect(response.status, body.slice(0, 40)).toBeLessThan(500);
      }
      for (const authorization of ['Bearer \u0001', `Bearer ${'a'.repeat(10_000)}`, 'Bearer a.b.c', 'Bearer ...', `Bearer ${b64url({ alg: 'RS256' })}.${b64url('[]')}.x`, `Bearer ${b64url({ alg: 'RS256' })}.${b64url({ iss: 42 })}.x`]) {
        const response = await fetch(`${base()}/oauth2/userInfo`, { headers: { authorization } }).catch(() => undefined);
        if (response) expect(response.status, authorization.slice(0, 40)).toBe(401);
      }
      for (const query of [`client_id=${spa.id}&client_id=${spa.id}&logout_uri=${encodeURIComponent(SIGNED_OUT)}`, `client_id=${spa.id}&logout_uri=${encodeURIComponent(SIGNED_OUT)}&logout_uri=https://evil.example`, 'client_id=%00', `client_id=${spa.id}&logout_uri=${'l'.repeat(10_000)}`]) {
        const response = await fetch(`${base()}/logout?${query}`, { redirect: 'manual' });
        expect(response.status, query.slice(0, 60)).toBeLessThan(500);
        const location = response.headers.get('location');
        if (location !== null) expect(location).toBe(SIGNED_OUT);
      }
    });
  });
});
