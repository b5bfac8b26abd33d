/**
 * Seed 004 (Cognito groups guarding API endpoints) with the gateway instead of a Lambda authorizer:
 * GET /movies for movies-group, GET /shows for shows-group, access tokens from real sign-ins, and a
 * real upstream that says what it received.
 */
import { AdminAddUserToGroupCommand } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoed, GATEWAY_CONFIG, POOL_ID, POOL_NAME, signIn, startGateway, startUpstream, type TestGateway, type TestUpstream, WEB_CLIENT } from '../support/gateway.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('seed 004 through the gateway: groups guard /movies and /shows', () => {
  let server: TestServer;
  let upstream: TestUpstream;
  let gateway: TestGateway;

  beforeAll(async () => {
    server = await startTestServer({ config: GATEWAY_CONFIG });
    upstream = await startUpstream();
    const route = (path: string, group: string) => ({ path, methods: ['GET' as const], upstream: upstream.url, authorizer: { type: 'groups' as const, userPool: POOL_NAME, clientIds: [WEB_CLIENT], groups: [group] } });
    gateway = await startGateway(server, [route('/movies', 'movies-group'), route('/shows', 'shows-group')]);
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await server?.close();
  });

  const get = (path: string, accessToken: string) => fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });

  it('lets alice get /movies and tells the upstream who she is', async () => {
    const { accessToken } = await signIn(server, 'alice');
    const res = await get('/movies', accessToken);
    expect(res.status).toBe(200);
    const seen = await echoed(res);
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/movies');
    expect(seen.headers['x-tessera-username']).toBe('alice');
    expect(seen.headers['x-tessera-groups']).toBe('movies-group');
    expect(seen.headers['x-tessera-user-pool']).toBe(POOL_ID);
    expect(seen.headers['x-tessera-client-id']).toBe(WEB_CLIENT);
    expect(seen.headers['x-tessera-token-use']).toBe('access');
    expect(seen.headers['x-tessera-scopes']).toBe('aws.cognito.signin.user.admin');
    expect(seen.headers['x-tessera-sub']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses alice /shows with 403 Forbidden and never calls the upstream', async () => {
    const { accessToken } = await signIn(server, 'alice');
    const before = upstream.hits();
    const res = await get('/shows', accessToken);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'Forbidden' });
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="tessera", error="insufficient_scope"');
    expect(upstream.hits()).toBe(before);
  });

  it('lets bob get /shows and refuses him /movies', async () => {
    const { accessToken } = await signIn(server, 'bob');
    expect((await get('/shows', accessToken)).status).toBe(200);
    expect((await get('/movies', accessToken)).status).toBe(403);
  });

  it('lets alice get both once she is in shows-group and signs in again, while her old token still gets 403 on /shows', async () => {
    const old = await signIn(server, 'alice');
    await server.admin.send(new AdminAddUserToGroupCommand({ UserPoolId: POOL_ID, Username: 'alice', GroupName: 'shows-group' }));
    const fresh = await signIn(server, 'alice');
    expect((await get('/movies', fresh.accessToken)).status).toBe(200);
    const shows = await get('/shows', fresh.accessToken);
    expect(shows.status).toBe(200);
    expect((await echoed(shows)).headers['x-tessera-groups']).toBe('movies-group,shows-group');
    expect((await get('/shows', old.accessToken)).status).toBe(403);
  });

  it('records every decision in the decision log under the route key', async () => {
    const { accessToken } = await signIn(server, 'bob');
    const sub = decodeJwt(accessToken).sub!;
    await get('/movies', accessToken);
    await get('/shows', accessToken);
    const bobs = await server.tessera.decisions.query({ engine: 'gateway', principal: sub, limit: 100 });
    expect(bobs).toContainEqual(expect.objectContaining({ scope: 'GET /movies', action: 'GET', resource: '/movies', decision: 'DENY', determiningPolicies: ['groups'], errors: [] }));
    expect(bobs).toContainEqual(expect.objectContaining({ scope: 'GET /shows', action: 'GET', resource: '/shows', decision: 'ALLOW', determiningPolicies: ['group:shows-group'], errors: [] }));
    const anonymous = await server.tessera.decisions.query({ engine: 'gateway', principal: '', limit: 100 });
    expect(anonymous).toEqual([]);
    await get('/movies', 'not-a-token');
    expect(await server.tessera.decisions.query({ engine: 'gateway', principal: '', limit: 100 })).toEqual([
      expect.objectContaining({ scope: 'GET /movies', decision: 'DENY', determiningPolicies: ['groups'], errors: ['The token is malformed'] }),
    ]);
  });
});
