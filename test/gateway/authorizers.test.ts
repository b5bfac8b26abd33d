/**
 * Each authorizer on its own, against a real Tessera and real tokens but without HTTP: the verdict
 * it reaches (allow, principal, identity headers, what decided) and what it throws.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayRouteSpec } from '../../src/config/schema.ts';
import { ConfigFile } from '../../src/config/schema.ts';
import type { AuthorizationRequest } from '../../src/gateway/authorizers/index.ts';
import { compileRoutes, type CompiledRoute } from '../../src/gateway/compiled-route.ts';
import { UnauthorizedError } from '../../src/gateway/errors.ts';
import type { Method } from '../../src/gateway/route-table.ts';
import { GATEWAY_CONFIG, POOL_ID, POOL_NAME, type RouteInput, SCOPE_READ, signIn, WEB_CLIENT } from '../support/gateway.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STORE = 'GatewayUnitStore';

describe('gateway authorizers', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      config: {
        ...GATEWAY_CONFIG,
        policyStores: [
          {
            id: STORE,
            validationMode: 'STRICT',
            schema: 'namespace App { entity Group; entity User in [Group]; entity Movie; action "get /movies/{id}" appliesTo { principal: [User], resource: [Movie] }; }',
            identitySource: { userPool: POOL_NAME, clientIds: [WEB_CLIENT], principalEntityType: 'App::User', groupEntityType: 'App::Group' },
            policies: [{ id: 'movies-group-reads', statement: `permit (principal in App::Group::"${POOL_ID}|movies-group", action == App::Action::"get /movies/{id}", resource);` }],
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  async function authorizer(route: RouteInput): Promise<CompiledRoute['authorizer']> {
    const [parsed] = ConfigFile.parse({ gateway: { routes: [route] } }).gateway!.routes as [GatewayRouteSpec];
    const [compiled] = await compileRoutes(server.tessera, [parsed]);
    return compiled!.authorizer;
  }

  const request = (method: Method, path: string, params: Record<string, string>, headers: Record<string, string>): AuthorizationRequest => ({
    method,
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQuery: '',
    params,
    headers,
    requestId: 'r-1',
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    host: 'gateway.test',
    log: pino({ level: 'silent' }),
  });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('none: allows anyone and vouches for no one', async () => {
    const a = await authorizer({ path: '/p', upstream: 'http://u', authorizer: { type: 'none' } });
    expect(await a.authorize(request('GET', '/p', {}, {}))).toEqual({ allow: true, principal: '', headers: {}, determining: ['none'] });
  });

  it('groups: allows a member of a listed group and names the group that granted it', async () => {
    const a = await authorizer({ path: '/m', upstream: 'http://u', authorizer: { type: 'groups', userPool: POOL_ID, groups: ['shows-group', 'movies-group'] } });
    const { accessToken } = await signIn(server, 'alice');
    const v = await a.authorize(request('GET', '/m', {}, bearer(accessToken)));
    expect(v).toMatchObject({ allow: true, determining: ['group:movies-group'] });
    expect(v.headers['x-tessera-username']).toBe('alice');
    expect(v.principal).toBe(v.headers['x-tessera-sub']);
  });

  it('groups: denies someone in none of the groups, and throws 401 without a token', async () => {
    const a = await authorizer({ path: '/m', upstream: 'http://u', authorizer: { type: 'groups', userPool: POOL_ID, groups: ['movies-group'] } });
    const { accessToken } = await signIn(server, 'bob');
    expect(await a.authorize(request('GET', '/m', {}, bearer(accessToken)))).toMatchObject({ allow: false, determining: [] });
    await expect(a.authorize(request('GET', '/m', {}, {}))).rejects.toEqual(new UnauthorizedError());
  });

  it('scopes: denies a token without the scope and says which scopes would do', async () => {
    const a = await authorizer({ path: '/s', upstream: 'http://u', authorizer: { type: 'scopes', userPool: POOL_ID, scopes: [SCOPE_READ, 'aws.cognito.signin.user.admin'] } });
    const { accessToken } = await signIn(server, 'alice');
    expect(await a.authorize(request('GET', '/s', {}, bearer(accessToken)))).toMatchObject({ allow: true, determining: ['scope:aws.cognito.signin.user.admin'] });
    const narrow = await authorizer({ path: '/s', upstream: 'http://u', authorizer: { type: 'scopes', userPool: POOL_ID, scopes: [SCOPE_READ] } });
    expect(await narrow.authorize(request('GET', '/s', {}, bearer(accessToken)))).toMatchObject({ allow: false, requiredScopes: [SCOPE_READ] });
  });

  it('cedar: allows what the store permits for an ID token, with the permitting policy', async () => {
    const a = await authorizer({ path: '/movies/{id}', methods: ['ANY'], upstream: 'http://u', authorizer: { type: 'cedar', policyStoreId: STORE, tokenUse: 'id', action: { type: 'App::Action' }, resource: { type: 'App::Movie', id: '{id}' } } });
    const { idToken } = await signIn(server, 'alice');
    expect(await a.authorize(request('GET', '/movies/1', { id: '1' }, bearer(idToken)))).toMatchObject({ allow: true, determining: ['policy:movies-group-reads'], errors: [] });
  });

  it('cedar: denies an action the schema does not know, with Cedar reason for the log', async () => {
    const a = await authorizer({ path: '/movies/{id}', methods: ['ANY'], upstream: 'http://u', authorizer: { type: 'cedar', policyStoreId: STORE, tokenUse: 'id', action: { type: 'App::Action' }, resource: { type: 'App::Movie', id: '{id}' } } });
    const { idToken } = await signIn(server, 'alice');
    const v = await a.authorize(request('DELETE', '/movies/1', { id: '1' }, bearer(idToken)));
    expect(v.allow).toBe(false);
    expect(v.errors?.[0]).toMatch(/delete \/movies\/\{id\}/);
  });

  it('lambda: throws 401 before calling anything when the identity source is missing', async () => {
    const a = await authorizer({ path: '/l', upstream: 'http://u', authorizer: { type: 'lambda', url: 'http://127.0.0.1:9/never-called', identitySource: ['$request.header.X-Key'] } });
    await expect(a.authorize(request('GET', '/l', {}, { 'x-key': '' }))).rejects.toEqual(new UnauthorizedError());
  });
});
