/**
 * The gateway as an attacker meets it: forged identity headers, path tricks, method overrides, and
 * tokens that are expired, of another pool or client, of the wrong kind, unsigned or tampered with.
 * Every refusal must have the right status and challenge, and the upstream must never see it.
 */
import { GlobalSignOutCommand } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.ts';
import {
  adminSignIn,
  echoed,
  GATEWAY_CONFIG,
  OTHER_CLIENT,
  PASSWORD,
  POOL_ID,
  type RawResponse,
  rawRequest,
  type Received,
  signIn,
  startGateway,
  startUpstream,
  type TestGateway,
  type TestUpstream,
  WEB_CLIENT,
} from '../support/gateway.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const OTHER_POOL_ID = 'us-east-1_OtherPool01';
const OTHER_POOL_CLIENT = 'otherpoolwebclient00000001';

const CHALLENGE = 'Bearer realm="tessera"';
const invalidToken = (description: string) => `Bearer realm="tessera", error="invalid_token", error_description="${description}"`;

describe('gateway security', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let upstream: TestUpstream;
  let gateway: TestGateway;
  let hitsBefore: number;

  beforeAll(async () => {
    server = await startTestServer({
      clock,
      config: {
        userPools: [
          ...(GATEWAY_CONFIG.userPools ?? []),
          // Same user name and group in another pool: its tokens look alike and must still be refused.
          {
            name: 'other-pool',
            id: OTHER_POOL_ID,
            clients: [{ name: 'web', id: OTHER_POOL_CLIENT, ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_PASSWORD_AUTH'] }],
            groups: [{ name: 'movies-group' }],
            users: [{ username: 'alice', password: PASSWORD, groups: ['movies-group'] }],
          },
        ],
      },
    });
    upstream = await startUpstream();
    const groups = (group: string, tokenUse: 'access' | 'id' = 'access') => ({ type: 'groups' as const, userPool: POOL_ID, clientIds: [WEB_CLIENT], tokenUse, groups: [group] });
    gateway = await startGateway(server, [
      { path: '/movies', methods: ['GET'], upstream: upstream.url, authorizer: groups('movies-group') },
      { path: '/movies/{id}', methods: ['GET'], upstream: upstream.url, authorizer: groups('movies-group') },
      { path: '/shows', methods: ['GET'], upstream: upstream.url, authorizer: groups('shows-group') },
      { path: '/profile', methods: ['GET'], upstream: upstream.url, authorizer: groups('movies-group', 'id') },
      { path: '/public', methods: ['GET', 'POST'], upstream: upstream.url, authorizer: { type: 'none' } },
    ]);
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await server?.close();
  });

  beforeEach(() => {
    hitsBefore = upstream.hits();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const get = (path: string, headers: Record<string, string> = {}) => rawRequest(gateway.url, 'GET', path, headers);
  const json = (r: RawResponse) => JSON.parse(r.body) as unknown;
  const seen = (r: RawResponse) => JSON.parse(r.body) as Received;
  const expectUpstreamUntouched = () => expect(upstream.hits()).toBe(hitsBefore);

  describe('identity headers', () => {
    const forged = {
      'x-tessera-sub': 'forged-sub',
      'x-tessera-username': 'admin',
      'x-tessera-groups': 'movies-group,shows-group,admin',
      'X-Tessera-Client-Id': 'forged-client',
      'x-tessera-scopes': 'admin',
      'x-tessera-token-use': 'id',
      'x-tessera-user-pool': 'us-east-1_Forged',
      'x-tessera-authorizer-role': 'admin',
      'x-tessera-anything-else': 'forged',
      // Servers that map headers to variables read `_` as `-`.
      x_tessera_sub: 'forged-underscore-sub',
      'X_Tessera_Groups': 'forged-underscore-groups',
    };

    it('replaces every client-sent x-tessera-* header with the verified identity', async () => {
      const { accessToken } = await signIn(server, 'alice');
      const res = await get('/movies', { ...bearer(accessToken), ...forged });
      expect(res.status).toBe(200);
      const h = seen(res).headers;
      expect(h['x-tessera-username']).toBe('alice');
      expect(h['x-tessera-groups']).toBe('movies-group');
      expect(h['x-tessera-client-id']).toBe(WEB_CLIENT);
      expect(h['x-tessera-token-use']).toBe('access');
      expect(h['x-tessera-user-pool']).toBe(POOL_ID);
      expect(h['x-tessera-sub']).toBe(decodeJwt(accessToken).sub);
      const sentByClient = Object.values(forged);
      for (const [name, value] of Object.entries(h)) {
        expect(sentByClient, name).not.toContain(value);
        expect(name.replaceAll('_', '-')).not.toMatch(/^x-tessera-(authorizer-role|anything-else)$/);
      }
      expect(Object.keys(h).filter((n) => n.includes('_'))).toEqual([]);
    });

    it('strips client-sent x-tessera-* headers on a public route and adds none of its own', async () => {
      const res = await get('/public', forged);
      expect(res.status).toBe(200);
      const names = Object.keys(seen(res).headers).map((n) => n.replaceAll('_', '-'));
      expect(names.filter((n) => n.startsWith('x-tessera-'))).toEqual([]);
    });

    it('does not let the client write the forwarded chain', async () => {
      const res = await get('/public', { 'x-forwarded-for': '10.0.0.1', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'for=10.0.0.1' });
      const h = seen(res).headers;
      expect(h['x-forwarded-for']).toBe('127.0.0.1');
      expect(h['x-forwarded-proto']).toBe('http');
      expect(h['x-forwarded-host']).toBe(new URL(gateway.url).host);
      expect(h.forwarded).toBeUndefined();
    });
  });

  describe('paths', () => {
    it.each([
      ['/movies/../shows'],
      ['/movies/%2e%2e/shows'],
      ['/movies/%2E%2E/shows'],
      ['/movies/.%2e/shows'],
      ['/movies/./'],
      ['/shows%2F..'],
      ['/movies%2Fshows'],
      ['/movies%2fshows'],
      ['/movies%5Cshows'],
      ['/movies%5c..%5cshows'],
      ['/movies\\..\\shows'],
      ['/movies%00'],
      ['/movies/%ZZ'],
      ['/movies/%C0%AE%C0%AE/shows'],
      ['/movies/1;x=../../shows'],
    ])('refuses %s with 400 Bad Request before any authorization', async (path) => {
      const { accessToken } = await signIn(server, 'alice');
      const res = await get(path, bearer(accessToken));
      expect(res.status).toBe(400);
      expect(json(res)).toEqual({ message: 'Bad Request' });
      expectUpstreamUntouched();
    });

    it.each([['//movies'], ['/movies/'], ['/movies//'], ['/Movies'], ['/MOVIES'], ['/movies/1/'], ['/movies//1'], ['/nowhere'], ['/']])('finds no route for %s: 404 Not Found', async (path) => {
      const { accessToken } = await signIn(server, 'alice');
      const res = await get(path, bearer(accessToken));
      expect(res.status).toBe(404);
      expect(json(res)).toEqual({ message: 'Not Found' });
      expectUpstreamUntouched();
    });

    it('answers 404 to a method the route does not list, as API Gateway does', async () => {
      const { accessToken } = await signIn(server, 'alice');
      for (const method of ['POST', 'DELETE', 'PUT', 'HEAD', 'TRACE', 'PROPFIND']) {
        const res = await rawRequest(gateway.url, method, '/movies', bearer(accessToken));
        expect(res.status, method).toBe(404);
        if (method !== 'HEAD') expect(json(res)).toEqual({ message: 'Not Found' });
      }
      expectUpstreamUntouched();
    });

    it('refuses a request line Node cannot parse with the same JSON 400', async () => {
      const res = await new Promise<string>((resolve, reject) => {
        const url = new URL(gateway.url);
        import('node:net').then(({ connect }) => {
          const s = connect(Number(url.port), url.hostname, () => s.write('GET /mov\u00e9ies HTTP/1.1\r\nHost: x\r\n\r\n'));
          let d = '';
          s.on('data', (c) => (d += c));
          s.on('end', () => resolve(d));
          s.on('error', reject);
        }, reject);
      });
      expect(res.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
      expect(res.endsWith('{"message":"Bad Request"}')).toBe(true);
      expectUpstreamUntouched();
    });

    it('sends the upstream the raw path and query it authorized, byte for byte', async () => {
      const { accessToken } = await signIn(server, 'alice');
      const res = await get('/movies/the%20matrix?q=a%2Fb&q=%2e%2e', bearer(accessToken));
      expect(res.status).toBe(200);
      expect(seen(res).url).toBe('/movies/the%20matrix?q=a%2Fb&q=%2e%2e');
    });
  });

  describe('method overrides', () => {
    const overrides = { 'x-http-method-override': 'DELETE', 'x-http-method': 'DELETE', 'x-method-override': 'DELETE', x_http_method_override: 'DELETE' };

    it('routes and forwards by the real method and strips override headers', async () => {
      const { accessToken } = await signIn(server, 'alice');
      const res = await get('/movies', { ...bearer(accessToken), ...overrides });
      expect(res.status).toBe(200);
      const s = seen(res);
      expect(s.method).toBe('GET');
      for (const name of Object.keys(s.headers)) expect(name.replaceAll('_', '-')).not.toMatch(/method/);
    });

    it('does not route a method the client only claims', async () => {
      const { accessToken } = await signIn(server, 'alice');
      const res = await rawRequest(gateway.url, 'POST', '/movies', { ...bearer(accessToken), 'x-http-method-override': 'GET' });
      expect(res.status).toBe(404);
      expectUpstreamUntouched();
    });
  });

  describe('tokens', () => {
    it('asks for credentials without an error code when there is no token', async () => {
      const res = await get('/movies');
      expect(res.status).toBe(401);
      expect(json(res)).toEqual({ message: 'Unauthorized' });
      expect(res.headers['www-authenticate']).toBe(CHALLENGE);
      expectUpstreamUntouched();
    });

    it('treats another authentication scheme as no token', async () => {
      const res = await get('/movies', { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(CHALLENGE);
      expectUpstreamUntouched();
    });

    it('reads the Bearer scheme case-insensitively', async () => {
      const { accessToken } = await signIn(server, 'alice');
      expect((await get('/movies', { authorization: `bearer ${accessToken}` })).status).toBe(200);
      expect((await get('/movies', { authorization: `BEARER ${accessToken}` })).status).toBe(200);
    });

    it('refuses a token of another user pool', async () => {
      const { accessToken } = await adminSignIn(server, 'alice', OTHER_POOL_ID, OTHER_POOL_CLIENT);
      const res = await get('/movies', bearer(accessToken));
      expect(res.status).toBe(401);
      expect(json(res)).toEqual({ message: 'Unauthorized' });
      expect(res.headers['www-authenticate']).toBe(invalidToken('The token was not issued by the user pool of this route'));
      expectUpstreamUntouched();
    });

    it('refuses a token issued to a client the route does not accept', async () => {
      const { accessToken } = await signIn(server, 'alice', OTHER_CLIENT);
      const res = await get('/movies', bearer(accessToken));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(invalidToken('The token was issued to a client this route does not accept'));
      expectUpstreamUntouched();
    });

    it('refuses an expired token', async () => {
      const { accessToken } = await signIn(server, 'alice');
      clock.advance(61 * 60 * 1000);
      const res = await get('/movies', bearer(accessToken));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(invalidToken('The token has expired'));
      expectUpstreamUntouched();
    });

    it('refuses an ID token on a route that takes access tokens, and the reverse', async () => {
      const { idToken, accessToken } = await signIn(server, 'alice');
      const onAccessRoute = await get('/movies', bearer(idToken));
      expect(onAccessRoute.status).toBe(401);
      expect(onAccessRoute.headers['www-authenticate']).toBe(invalidToken('This route takes an access token'));
      const onIdRoute = await get('/profile', bearer(accessToken));
      expect(onIdRoute.status).toBe(401);
      expect(onIdRoute.headers['www-authenticate']).toBe(invalidToken('This route takes an ID token'));
      expectUpstreamUntouched();
      const ok = await get('/profile', bearer(idToken));
      expect(ok.status).toBe(200);
      expect(seen(ok).headers['x-tessera-token-use']).toBe('id');
      expect(seen(ok).headers['x-tessera-client-id']).toBe(WEB_CLIENT);
      expect(seen(ok).headers['x-tessera-scopes']).toBeUndefined();
    });

    it('refuses an unsigned token (alg none) carrying real claims', async () => {
      const { accessToken } = await signIn(server, 'bob');
      const [, payload] = accessToken.split('.');
      const header = Buffer.from(JSON.stringify({ ...decodeProtectedHeader(accessToken), alg: 'none' })).toString('base64url');
      const claims = Buffer.from(JSON.stringify({ ...decodeJwt(accessToken), 'cognito:groups': ['movies-group'] })).toString('base64url');
      for (const token of [`${header}.${payload}.`, `${header}.${claims}.`]) {
        const res = await get('/movies', bearer(token));
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="tessera", error="invalid_token", error_description="[^"]+"$/);
      }
      expectUpstreamUntouched();
    });

    it('refuses a signed token whose claims were changed', async () => {
      const { accessToken } = await signIn(server, 'bob');
      const [header, , signature] = accessToken.split('.');
      const claims = Buffer.from(JSON.stringify({ ...decodeJwt(accessToken), 'cognito:groups': ['movies-group'] })).toString('base64url');
      const res = await get('/movies', bearer(`${header}.${claims}.${signature}`));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(invalidToken('The token signature is invalid'));
      expectUpstreamUntouched();
    });

    it('refuses a token whose session was signed out, though it has not expired, once the second a verification is remembered has passed', async () => {
      const { accessToken } = await signIn(server, 'alice');
      expect((await get('/movies', bearer(accessToken))).status).toBe(200);
      await server.anonymous.send(new GlobalSignOutCommand({ AccessToken: accessToken }));
      clock.advance(1_001);
      hitsBefore = upstream.hits();
      const res = await get('/movies', bearer(accessToken));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(invalidToken('The token has been revoked'));
      expectUpstreamUntouched();
    });

    it('refuses a token that is not a JWT at all', async () => {
      const res = await get('/movies', bearer('not-a-jwt'));
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(invalidToken('The token is malformed'));
      expectUpstreamUntouched();
    });

    it('refuses with 403 and insufficient_scope a valid token without the group', async () => {
      const { accessToken } = await signIn(server, 'bob');
      const res = await get('/movies', bearer(accessToken));
      expect(res.status).toBe(403);
      expect(json(res)).toEqual({ message: 'Forbidden' });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="tessera", error="insufficient_scope"');
      expectUpstreamUntouched();
    });

    it('lets the upstream see the token it was given, and nothing the client could not have sent', async () => {
      const { accessToken } = await signIn(server, 'alice');
      const res = await fetch(`${gateway.url}/movies`, { headers: bearer(accessToken) });
      expect((await echoed(res)).headers.authorization).toBe(`Bearer ${accessToken}`);
    });
  });
});
