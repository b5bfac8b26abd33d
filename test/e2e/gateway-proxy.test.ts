/**
 * The gateway as a proxy and as an authorizer of every kind, end to end: real Tessera, real tokens,
 * real upstream and authorizer servers. Bodies stream both ways (the tests deadlock if either side
 * is buffered), upstream failures become 502 or 504 with nothing internal in them, and each
 * authorizer type allows and denies.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateIdentitySourceCommand, CreatePolicyCommand, CreatePolicyStoreCommand } from '@aws-sdk/client-verifiedpermissions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.ts';
import {
  clientCredentialsToken,
  closedPort,
  echo,
  echoed,
  GATEWAY_CONFIG,
  M2M_CLIENT,
  OTHER_CLIENT,
  POOL_ID,
  POOL_NAME,
  rawRequest,
  type Received,
  SCOPE_READ,
  SCOPE_WRITE,
  signIn,
  startAuthorizer,
  startGateway,
  startUpstream,
  type TestAuthorizer,
  type TestGateway,
  type TestUpstream,
  WEB_CLIENT,
} from '../support/gateway.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const MB = 1024 * 1024;
const CHUNKS = 8;

/** Resolves when signalled, or fails after `ms`: how the streaming tests detect a buffering proxy. */
function signal(what: string, ms = 10_000) {
  let fire!: () => void;
  const fired = new Promise<void>((resolve, reject) => {
    fire = resolve;
    setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms: something buffers`)), ms).unref();
  });
  // Whoever awaits it still sees the rejection; a signal nobody awaits must not fail the run later.
  fired.catch(() => {});
  return { fire, fired };
}

const CERBOS_POLICY = `apiVersion: api.cerbos.dev/v1
resourcePolicy:
  version: default
  resource: movie
  rules:
    - actions: ["get"]
      effect: EFFECT_ALLOW
      roles: ["movies-group"]
    - actions: ["delete"]
      effect: EFFECT_ALLOW
      roles: ["admin"]
      condition:
        match:
          expr: request.auxData.jwt.client_id == "${WEB_CLIENT}"
`;

describe('the gateway as a proxy', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let upstream: TestUpstream;
  let authorizer: TestAuthorizer;
  let gateway: TestGateway;
  let policyDir: string;
  let upload = signal('the upstream receiving the first chunk of an upload');
  let download = signal('the client receiving the first chunk of a download');
  let hitsBefore: number;

  /** Streams up and down, slow answers and resets; everything else is echoed. */
  const upstreamHandler = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url?.replace(/^\/api\/v1/, '') ?? '';
    if (path === '/files/upload') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        if (bytes === 0) upload.fire();
        bytes += c.length;
        hash.update(c);
      });
      req.on('end', () => res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') })));
      return;
    }
    if (path === '/files/download') {
      const chunk = Buffer.alloc(MB, 7);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': CHUNKS * MB });
      res.write(chunk);
      download.fired.then(() => {
        for (let i = 1; i < CHUNKS; i++) res.write(chunk);
        res.end();
      }, () => res.destroy());
      return;
    }
    if (path === '/slow') {
      setTimeout(() => !res.destroyed && res.end('late'), 3_000).unref();
      return;
    }
    if (path === '/reset') {
      req.socket.destroy();
      return;
    }
    echo(req, res);
  };

  beforeAll(async () => {
    policyDir = mkdtempSync(join(tmpdir(), 'gateway-cerbos-'));
    writeFileSync(join(policyDir, 'movie.yaml'), CERBOS_POLICY);
    server = await startTestServer({
      clock,
      cerbos: { policiesDir: policyDir },
      config: {
        ...GATEWAY_CONFIG,
        rbac: {
          environments: [
            {
              key: 'movies',
              resources: [{ key: 'movie', actions: ['get', 'delete'] }],
              roles: [{ key: 'viewer', permissions: ['movie:get'] }],
              userPoolSync: { userPool: POOL_NAME, groupRoles: { 'movies-group': 'viewer' } },
            },
          ],
        },
      },
    });
    const store = (await server.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'OFF' } }))).policyStoreId!;
    await server.avp.send(
      new CreateIdentitySourceCommand({
        policyStoreId: store,
        principalEntityType: 'Movies::User',
        configuration: { cognitoUserPoolConfiguration: { userPoolArn: `arn:aws:cognito-idp:us-east-1:000000000000:userpool/${POOL_ID}`, clientIds: [WEB_CLIENT], groupConfiguration: { groupEntityType: 'Movies::Group' } } },
      }),
    );
    for (const statement of [
      `permit (principal in Movies::Group::"${POOL_ID}|movies-group", action == Movies::Action::"get /cedar/movies/{id}", resource);`,
      'forbid (principal, action, resource == Movies::Movie::"secret");',
      'permit (principal, action == Movies::Action::"get /cedar/profile", resource) when { principal.email == "alice@example.com" };',
    ]) {
      await server.avp.send(new CreatePolicyCommand({ policyStoreId: store, definition: { static: { statement } } }));
    }

    upstream = await startUpstream(upstreamHandler);
    authorizer = await startAuthorizer();
    const deadPort = await closedPort();
    const groups = { type: 'groups' as const, userPool: POOL_NAME, groups: ['movies-group'] };
    const lambda = (o: { ttlSeconds?: number; identitySource?: string[]; timeoutMs?: number } = {}) => ({ type: 'lambda' as const, url: authorizer.url, ttlSeconds: 0, ...o });
    gateway = await startGateway(server, [
      { path: '/files/{name}', methods: ['GET', 'HEAD', 'PUT', 'POST'], upstream: upstream.url, authorizer: { type: 'none' } },
      { path: '/prefixed/{rest+}', methods: ['GET'], upstream: `${upstream.url}/api/v1/`, authorizer: { type: 'none' } },
      { path: '/slow', methods: ['GET'], upstream: upstream.url, authorizer: { type: 'none' }, timeoutMs: 200 },
      { path: '/reset', methods: ['GET'], upstream: upstream.url, authorizer: { type: 'none' } },
      { path: '/down', methods: ['GET'], upstream: `http://127.0.0.1:${deadPort}`, authorizer: groups },
      { path: '/echo', methods: ['ANY'], upstream: upstream.url, authorizer: groups },
      { path: '/lambda/movies/{id}', methods: ['GET'], upstream: upstream.url, authorizer: lambda() },
      { path: '/lambda/cached', methods: ['GET'], upstream: upstream.url, authorizer: lambda({ ttlSeconds: 300 }) },
      { path: '/lambda/keyed', methods: ['GET'], upstream: upstream.url, authorizer: lambda({ identitySource: ['$request.header.X-Api-Key', '$request.querystring.tenant'] }) },
      { path: '/lambda/slow', methods: ['GET'], upstream: upstream.url, authorizer: lambda({ timeoutMs: 150 }) },
      { path: '/lambda/dead', methods: ['GET'], upstream: upstream.url, authorizer: { type: 'lambda', url: `http://127.0.0.1:${deadPort}/authorize`, ttlSeconds: 0 } },
      { path: '/scoped', methods: ['GET'], upstream: upstream.url, authorizer: { type: 'scopes', userPool: POOL_ID, scopes: [SCOPE_READ] } },
      { path: '/cedar/movies/{id}', methods: ['ANY'], upstream: upstream.url, authorizer: { type: 'cedar', policyStoreId: store, action: { type: 'Movies::Action' }, resource: { type: 'Movies::Movie', id: '{id}' } } },
      { path: '/cedar/profile', methods: ['GET'], upstream: upstream.url, authorizer: { type: 'cedar', policyStoreId: store, tokenUse: 'id', action: { type: 'Movies::Action' }, resource: { type: 'Movies::Profile', id: 'me' } } },
      { path: '/cerbos/movies/{id}', methods: ['GET', 'DELETE'], upstream: upstream.url, authorizer: { type: 'cerbos', userPool: POOL_NAME, kind: 'movie', id: '{id}' } },
      { path: '/rbac/movies/{id}', methods: ['GET', 'DELETE'], upstream: upstream.url, authorizer: { type: 'rbac', userPool: POOL_NAME, environment: 'movies', resource: 'movie:{id}' } },
    ]);
  });

  afterAll(async () => {
    await gateway?.close();
    await authorizer?.close();
    await upstream?.close();
    await server?.close();
    if (policyDir) rmSync(policyDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    hitsBefore = upstream.hits();
    authorizer.answer = () => ({ body: { isAuthorized: true } });
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const seen = (r: { body: string }) => JSON.parse(r.body) as Received;
  const expectUpstreamUntouched = () => expect(upstream.hits()).toBe(hitsBefore);
  /** The gateway's decision about one path (the manual clock gives many decisions the same time, so "latest" would not do). */
  const decisionAbout = async (scope: string, resource: string) => {
    const found = (await server.tessera.decisions.query({ engine: 'gateway', scope, limit: 500 })).filter((d) => d.resource === resource);
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  describe('streaming', () => {
    it('streams a multi-megabyte upload to the upstream as it arrives', async () => {
      upload = signal('the upstream receiving the first chunk of an upload');
      const chunks = Array.from({ length: CHUNKS }, () => randomBytes(MB));
      const expected = createHash('sha256');
      for (const c of chunks) expected.update(c);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          // After the first chunk, the rest waits until the upstream has seen bytes: a buffering gateway deadlocks here.
          if (sent === 1) await upload.fired;
          controller.enqueue(chunks[sent++]!);
          if (sent === CHUNKS) controller.close();
        },
      });
      const res = await fetch(`${gateway.url}/files/upload`, { method: 'PUT', body, duplex: 'half', headers: { 'content-type': 'application/octet-stream' } } as RequestInit);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ bytes: CHUNKS * MB, sha256: expected.digest('hex') });
    });

    it('streams a multi-megabyte download to the client as the upstream writes it', async () => {
      download = signal('the client receiving the first chunk of a download');
      const res = await fetch(`${gateway.url}/files/download`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(CHUNKS * MB));
      const reader = res.body!.getReader();
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (bytes === 0) download.fire();
        bytes += value.length;
      }
      expect(bytes).toBe(CHUNKS * MB);
    });

    it('forwards a JSON body untouched, without parsing it', async () => {
      const text = '{"b": 1,   "a": [1, 2], "big": 12345678901234567890}';
      const res = await fetch(`${gateway.url}/files/doc`, { method: 'POST', body: text, headers: { 'content-type': 'application/json' } });
      const seen = await echoed(res);
      expect(seen.body).toBe(text);
      expect(seen.headers['content-type']).toBe('application/json');
    });

    it('reuses upstream connections across requests', async () => {
      let connections = 0;
      const count = () => connections++;
      upstream.server.on('connection', count);
      try {
        for (let i = 0; i < 5; i++) expect((await fetch(`${gateway.url}/files/x${i}`)).status).toBe(200);
      } finally {
        upstream.server.off('connection', count);
      }
      expect(upstream.hits() - hitsBefore).toBe(5);
      expect(connections).toBeLessThanOrEqual(1);
    });

    it('proxies HEAD on a route that lists it, with the upstream headers and no body', async () => {
      const res = await rawRequest(gateway.url, 'HEAD', '/files/head-me');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.body).toBe('');
      expect(upstream.received.at(-1)).toMatchObject({ method: 'HEAD', url: '/files/head-me' });
    });

    it('appends the raw path and query to the upstream path prefix', async () => {
      const res = await fetch(`${gateway.url}/prefixed/a%20b/c?x=1&y=%2F`);
      expect((await echoed(res)).url).toBe('/api/v1/prefixed/a%20b/c?x=1&y=%2F');
    });
  });

  describe('upstream failures', () => {
    it('answers 502 Bad Gateway, and nothing more, when the upstream is down', async () => {
      const { accessToken } = await signIn(server, 'alice');
      const res = await fetch(`${gateway.url}/down`, { headers: bearer(accessToken) });
      expect(res.status).toBe(502);
      expect(await res.text()).toBe('{"message":"Bad Gateway"}');
    });

    it('answers 502 Bad Gateway when the upstream drops the connection', async () => {
      const res = await fetch(`${gateway.url}/reset`);
      expect(res.status).toBe(502);
      expect(await res.text()).toBe('{"message":"Bad Gateway"}');
    });

    it('answers 504 Gateway Timeout when the upstream is slower than the route allows', async () => {
      const started = performance.now();
      const res = await fetch(`${gateway.url}/slow`);
      expect(res.status).toBe(504);
      expect(await res.text()).toBe('{"message":"Gateway Timeout"}');
      expect(performance.now() - started).toBeLessThan(2_000);
    });
  });

  describe('lambda authorizer', () => {
    it('posts the HTTP API payload format 2.0 event, field by field', async () => {
      const res = await rawRequest(gateway.url, 'GET', '/lambda/movies/the%20matrix?b=2&a=1&a=3', {
        authorization: 'Bearer opaque-token',
        cookie: 'c1=v1; c2=v2',
        'user-agent': 'gateway-test/1.0',
        'X-Custom': 'custom value',
        'x-tessera-sub': 'forged',
      });
      expect(res.status).toBe(200);
      expect(authorizer.calls()).toBeGreaterThan(0);
      const e = authorizer.events.at(-1)!;
      const host = new URL(gateway.url).host;
      expect(Object.keys(e).sort()).toEqual(['cookies', 'headers', 'identitySource', 'pathParameters', 'queryStringParameters', 'rawPath', 'rawQueryString', 'requestContext', 'routeArn', 'routeKey', 'type', 'version']);
      expect(e.version).toBe('2.0');
      expect(e.type).toBe('REQUEST');
      expect(e.routeArn).toBe('arn:aws:execute-api:us-east-1:000000000000:tessera/$default/GET/lambda/movies/the%20matrix');
      expect(e.identitySource).toEqual(['Bearer opaque-token']);
      expect(e.routeKey).toBe('GET /lambda/movies/{id}');
      expect(e.rawPath).toBe('/lambda/movies/the%20matrix');
      expect(e.rawQueryString).toBe('b=2&a=1&a=3');
      expect(e.cookies).toEqual(['c1=v1', 'c2=v2']);
      expect(e.headers).toEqual({ authorization: 'Bearer opaque-token', 'user-agent': 'gateway-test/1.0', 'x-custom': 'custom value', host });
      expect(e.queryStringParameters).toEqual({ b: '2', a: '1,3' });
      expect(e.pathParameters).toEqual({ id: 'the matrix' });
      const rc = e.requestContext as Record<string, unknown>;
      expect(Object.keys(rc).sort()).toEqual(['accountId', 'apiId', 'domainName', 'domainPrefix', 'http', 'requestId', 'routeKey', 'stage', 'time', 'timeEpoch']);
      expect(rc.accountId).toBe('000000000000');
      expect(rc.apiId).toBe('tessera');
      expect(rc.domainName).toBe('127.0.0.1');
      expect(rc.domainPrefix).toBe('127');
      expect(rc.http).toEqual({ method: 'GET', path: '/lambda/movies/the%20matrix', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'gateway-test/1.0' });
      expect(rc.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(rc.routeKey).toBe('GET /lambda/movies/{id}');
      expect(rc.stage).toBe('$default');
      expect(rc.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
      expect(rc.timeEpoch).toBe(clock.now());
    });

    it('leaves out cookies, query parameters and path parameters when there are none', async () => {
      await rawRequest(gateway.url, 'GET', '/lambda/cached?', { authorization: `Bearer no-extras-${Math.random()}` });
      const e = authorizer.events.at(-1)!;
      expect(e).not.toHaveProperty('cookies');
      expect(e).not.toHaveProperty('queryStringParameters');
      expect(e).not.toHaveProperty('pathParameters');
      expect(e.rawQueryString).toBe('');
    });

    it('forwards when the authorizer says isAuthorized true, with its context as headers', async () => {
      authorizer.answer = () => ({ body: { isAuthorized: true, context: { user: 'u-1', tier: 3, beta: true, list: ['a'], map: { a: 1 }, Under_Score: 'y', 'bad key': 'x', evil: 'a\r\nb' } } });
      const res = await fetch(`${gateway.url}/lambda/movies/1`, { headers: { authorization: 'Bearer t', 'x-tessera-authorizer-user': 'forged' } });
      expect(res.status).toBe(200);
      const tessera = Object.fromEntries(Object.entries((await echoed(res)).headers).filter(([k]) => k.startsWith('x-tessera-')));
      expect(tessera).toEqual({ 'x-tessera-authorizer-user': 'u-1', 'x-tessera-authorizer-tier': '3', 'x-tessera-authorizer-beta': 'true', 'x-tessera-authorizer-under-score': 'y' });
    });

    it('refuses with 403 when the authorizer says isAuthorized false', async () => {
      authorizer.answer = () => ({ body: { isAuthorized: false } });
      const res = await fetch(`${gateway.url}/lambda/movies/1`, { headers: { authorization: 'Bearer t' } });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ message: 'Forbidden' });
      expectUpstreamUntouched();
    });

    it('refuses with 401 and never calls the authorizer when an identity source is missing', async () => {
      const calls = authorizer.calls();
      expect((await fetch(`${gateway.url}/lambda/movies/1`)).status).toBe(401);
      expect((await fetch(`${gateway.url}/lambda/movies/1`, { headers: { authorization: '' } })).status).toBe(401);
      expect((await fetch(`${gateway.url}/lambda/keyed?tenant=t1`)).status).toBe(401);
      const missingQuery = await fetch(`${gateway.url}/lambda/keyed`, { headers: { 'x-api-key': 'k' } });
      expect(missingQuery.status).toBe(401);
      expect(missingQuery.headers.get('www-authenticate')).toBe('Bearer realm="tessera"');
      expect(authorizer.calls()).toBe(calls);
      expectUpstreamUntouched();
      expect((await fetch(`${gateway.url}/lambda/keyed?tenant=t1&tenant=t2`, { headers: { 'x-api-key': 'k' } })).status).toBe(200);
      expect(authorizer.events.at(-1)!.identitySource).toEqual(['k', 't1,t2']);
    });

    it('caches answers per identity for the TTL and asks again once it has passed', async () => {
      const calls = authorizer.calls();
      const get = (token: string) => fetch(`${gateway.url}/lambda/cached`, { headers: { authorization: `Bearer ${token}` } });
      authorizer.answer = (e) => ({ body: { isAuthorized: (e.identitySource as string[])[0] === 'Bearer cache-a' } });
      expect((await get('cache-a')).status).toBe(200);
      expect((await get('cache-a')).status).toBe(200);
      expect(authorizer.calls()).toBe(calls + 1);
      expect((await get('cache-b')).status).toBe(403);
      expect((await get('cache-b')).status).toBe(403);
      expect(authorizer.calls()).toBe(calls + 2);
      clock.advance(299_000);
      expect((await get('cache-a')).status).toBe(200);
      expect(authorizer.calls()).toBe(calls + 2);
      clock.advance(2_000);
      authorizer.answer = () => ({ body: { isAuthorized: false } });
      expect((await get('cache-a')).status).toBe(403);
      expect(authorizer.calls()).toBe(calls + 3);
    });

    it('asks on every request when the TTL is 0', async () => {
      const calls = authorizer.calls();
      for (let i = 0; i < 3; i++) await fetch(`${gateway.url}/lambda/movies/1`, { headers: { authorization: 'Bearer same' } });
      expect(authorizer.calls()).toBe(calls + 3);
    });

    it.each([
      ['answers HTTP 500', { status: 500, body: { isAuthorized: true } }],
      ['answers a redirect', { status: 302, body: '' }],
      ['answers something that is not JSON', { body: 'allow' }],
      ['answers isAuthorized as a string', { body: { isAuthorized: 'true' } }],
      ['answers an IAM policy instead of the simple response', { body: { principalId: 'p', policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] } } }],
      ['answers a JSON array', { body: [true] }],
    ])('fails closed with 500 when the authorizer %s', async (_what, answer) => {
      authorizer.answer = () => answer;
      const res = await fetch(`${gateway.url}/lambda/movies/1`, { headers: { authorization: 'Bearer t' } });
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('{"message":"Internal Server Error"}');
      expectUpstreamUntouched();
    });

    it('fails closed with 500 when the authorizer is too slow or unreachable', async () => {
      authorizer.answer = () => ({ body: { isAuthorized: true }, delayMs: 1_000 });
      const slow = await fetch(`${gateway.url}/lambda/slow`, { headers: { authorization: 'Bearer t' } });
      expect(slow.status).toBe(500);
      const dead = await fetch(`${gateway.url}/lambda/dead`, { headers: { authorization: 'Bearer t' } });
      expect(dead.status).toBe(500);
      expect(await dead.text()).toBe('{"message":"Internal Server Error"}');
      expectUpstreamUntouched();
    });

    it('does not cache a failure', async () => {
      authorizer.answer = () => ({ status: 503, body: {} });
      expect((await fetch(`${gateway.url}/lambda/cached`, { headers: { authorization: 'Bearer flaky' } })).status).toBe(500);
      authorizer.answer = () => ({ body: { isAuthorized: true } });
      expect((await fetch(`${gateway.url}/lambda/cached`, { headers: { authorization: 'Bearer flaky' } })).status).toBe(200);
    });
  });

  describe('scopes authorizer', () => {
    it('allows an access token holding one of the scopes', async () => {
      const token = await clientCredentialsToken(server, [SCOPE_READ, SCOPE_WRITE]);
      const res = await fetch(`${gateway.url}/scoped`, { headers: bearer(token) });
      expect(res.status).toBe(200);
      const h = (await echoed(res)).headers;
      expect(h['x-tessera-scopes']).toBe(`${SCOPE_READ} ${SCOPE_WRITE}`);
      expect(h['x-tessera-client-id']).toBe(M2M_CLIENT);
      expect(h['x-tessera-sub']).toBe(M2M_CLIENT);
      expect(h['x-tessera-username']).toBeUndefined();
    });

    it('refuses with 403 and names the scopes a token lacks', async () => {
      for (const token of [await clientCredentialsToken(server, [SCOPE_WRITE]), (await signIn(server, 'alice')).accessToken]) {
        const res = await fetch(`${gateway.url}/scoped`, { headers: bearer(token) });
        expect(res.status).toBe(403);
        expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="tessera", error="insufficient_scope", scope="${SCOPE_READ}"`);
      }
      expectUpstreamUntouched();
    });
  });

  describe('cedar authorizer', () => {
    it('allows what a policy of the store permits for the token', async () => {
      const { accessToken } = await signIn(server, 'alice');
      const res = await fetch(`${gateway.url}/cedar/movies/42`, { headers: bearer(accessToken) });
      expect(res.status).toBe(200);
      expect((await echoed(res)).headers['x-tessera-username']).toBe('alice');
    });

    it('denies what no policy permits or a policy forbids', async () => {
      const alice = (await signIn(server, 'alice')).accessToken;
      const bob = (await signIn(server, 'bob')).accessToken;
      expect((await fetch(`${gateway.url}/cedar/movies/42`, { headers: bearer(bob) })).status).toBe(403);
      expect((await fetch(`${gateway.url}/cedar/movies/secret`, { headers: bearer(alice) })).status).toBe(403);
      expect((await fetch(`${gateway.url}/cedar/movies/42`, { method: 'DELETE', headers: bearer(alice) })).status).toBe(403);
      expectUpstreamUntouched();
    });

    it('answers 401 for a token the store identity source does not accept', async () => {
      const { accessToken } = await signIn(server, 'alice', OTHER_CLIENT);
      const res = await fetch(`${gateway.url}/cedar/movies/42`, { headers: bearer(accessToken) });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tessera", error="invalid_token", error_description="The token was issued to a client this route does not accept"');
      expectUpstreamUntouched();
    });

    it('passes an ID token as the identity token, so policies read its claims on the principal', async () => {
      const alice = await signIn(server, 'alice');
      expect((await fetch(`${gateway.url}/cedar/profile`, { headers: bearer(alice.idToken) })).status).toBe(200);
      expect((await fetch(`${gateway.url}/cedar/profile`, { headers: bearer(alice.accessToken) })).status).toBe(401);
      expect((await fetch(`${gateway.url}/cedar/profile`, { headers: bearer((await signIn(server, 'bob')).idToken) })).status).toBe(403);
    });

    it('logs the determining policy of the decision', async () => {
      const { accessToken } = await signIn(server, 'alice');
      await fetch(`${gateway.url}/cedar/movies/7`, { headers: bearer(accessToken) });
      const decision = await decisionAbout('ANY /cedar/movies/{id}', '/cedar/movies/7');
      expect(decision).toMatchObject({ decision: 'ALLOW', action: 'GET', errors: [] });
      expect(decision.determiningPolicies).toHaveLength(1);
      expect(decision.determiningPolicies[0]).toMatch(/^policy:/);
    });
  });

  describe('cerbos authorizer', () => {
    it('allows an action a rule grants to one of the token groups', async () => {
      const { accessToken } = await signIn(server, 'alice');
      expect((await fetch(`${gateway.url}/cerbos/movies/1`, { headers: bearer(accessToken) })).status).toBe(200);
    });

    it('denies an action no rule grants', async () => {
      const alice = (await signIn(server, 'alice')).accessToken;
      const bob = (await signIn(server, 'bob')).accessToken;
      expect((await fetch(`${gateway.url}/cerbos/movies/1`, { method: 'DELETE', headers: bearer(alice) })).status).toBe(403);
      expect((await fetch(`${gateway.url}/cerbos/movies/1`, { headers: bearer(bob) })).status).toBe(403);
      expectUpstreamUntouched();
    });

    it('records the matched policy', async () => {
      const { accessToken } = await signIn(server, 'alice');
      await fetch(`${gateway.url}/cerbos/movies/2`, { headers: bearer(accessToken) });
      expect(await decisionAbout('GET /cerbos/movies/{id}', '/cerbos/movies/2')).toMatchObject({ decision: 'ALLOW', determiningPolicies: ['policy:resource.movie.vdefault'] });
    });
  });

  describe('rbac authorizer', () => {
    it('allows a user whose synced role grants the action on the resource', async () => {
      const { accessToken } = await signIn(server, 'alice');
      const res = await fetch(`${gateway.url}/rbac/movies/0`, { headers: bearer(accessToken) });
      expect(res.status).toBe(200);
      expect(await decisionAbout('GET /rbac/movies/{id}', '/rbac/movies/0')).toMatchObject({ decision: 'ALLOW', determiningPolicies: ['role:viewer'] });
    });

    it('denies an action the role does not grant, and a user without the role', async () => {
      const alice = (await signIn(server, 'alice')).accessToken;
      const bob = (await signIn(server, 'bob')).accessToken;
      expect((await fetch(`${gateway.url}/rbac/movies/1`, { method: 'DELETE', headers: bearer(alice) })).status).toBe(403);
      expect((await fetch(`${gateway.url}/rbac/movies/1`, { headers: bearer(bob) })).status).toBe(403);
      expectUpstreamUntouched();
    });
  });

  describe('headers', () => {
    it('extends the forwarded chain instead of restarting it behind a trusted proxy', async () => {
      const trusting = await startGateway(server, [{ path: '/files/{name}', methods: ['GET'], upstream: upstream.url, authorizer: { type: 'none' } }], { trustProxy: true });
      try {
        const res = await rawRequest(trusting.url, 'GET', '/files/t', { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' });
        const h = seen(res).headers;
        expect(h['x-forwarded-for']).toBe('198.51.100.7, 127.0.0.1');
        expect(h['x-forwarded-proto']).toBe('https');
        expect(h['x-forwarded-host']).toBe('api.example.com');
      } finally {
        await trusting.close();
      }
    });

    it('sets the forwarded headers and passes ordinary headers through', async () => {
      const { accessToken } = await signIn(server, 'alice');
      const res = await fetch(`${gateway.url}/echo?x=1`, { method: 'PATCH', body: 'patch', headers: { ...bearer(accessToken), 'x-request-thing': 'kept', accept: 'application/json' } });
      const seen: Received = await echoed(res);
      expect(seen.method).toBe('PATCH');
      expect(seen.body).toBe('patch');
      expect(seen.headers['x-request-thing']).toBe('kept');
      expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen.headers['x-forwarded-proto']).toBe('http');
      expect(seen.headers['x-forwarded-host']).toBe(new URL(gateway.url).host);
      expect(seen.headers.host).toBe(new URL(upstream.url).host);
    });
  });
});
