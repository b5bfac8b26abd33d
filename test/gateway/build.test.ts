/** Building the gateway refuses, naming the route, every reference that could only fail later. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigFile } from '../../src/config/schema.ts';
import { buildGateway } from '../../src/gateway/index.ts';
import { GATEWAY_CONFIG, OTHER_CLIENT, POOL_ID, POOL_NAME, type RouteInput, WEB_CLIENT } from '../support/gateway.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('building the gateway', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      config: {
        userPools: [
          ...(GATEWAY_CONFIG.userPools ?? []),
          { name: 'twin', id: 'us-east-1_Twin1', clients: [{ name: 'twin-web', id: 'twinwebclient0000000000001' }] },
          { name: 'twin', id: 'us-east-1_Twin2' },
        ],
        policyStores: [{ id: 'NoIdentitySource', validationMode: 'OFF' }],
        rbac: { environments: [{ key: 'one' }, { key: 'two' }] },
      },
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  const build = (...routes: RouteInput[]) => buildGateway(server.tessera, { routes: ConfigFile.parse({ gateway: { routes } }).gateway!.routes }, { logLevel: 'silent' });
  const groups = (o: { userPool?: string; clientIds?: string[] } = {}) => ({ type: 'groups' as const, userPool: POOL_ID, groups: ['movies-group'], ...o });
  const route = (authorizer: RouteInput['authorizer'], o: Partial<RouteInput> = {}): RouteInput => ({ path: '/movies/{id}', methods: ['GET'], upstream: 'http://127.0.0.1:1', authorizer, ...o });

  it('accepts a pool named by id or by name', async () => {
    const app = await build(route(groups()), route(groups({ userPool: POOL_NAME, clientIds: [WEB_CLIENT, OTHER_CLIENT] }), { path: '/shows' }));
    await app.close();
  });

  it('names the route and the unknown pool', async () => {
    await expect(build(route(groups()), route(groups({ userPool: 'no-such-pool' }), { path: '/x' }))).rejects.toThrow('gateway route 2 (GET /x, groups): there is no user pool no-such-pool');
    await expect(build(route(groups({ userPool: 'us-east-1_Missing' })))).rejects.toThrow(/there is no user pool us-east-1_Missing/);
  });

  it('refuses a pool name two pools share', async () => {
    await expect(build(route(groups({ userPool: 'twin' })))).rejects.toThrow(/us-east-1_Twin1, us-east-1_Twin2 are all named twin; name the pool by its id/);
  });

  it('refuses a client of another pool, an unknown client, and an empty client list', async () => {
    await expect(build(route(groups({ clientIds: ['twinwebclient0000000000001'] })))).rejects.toThrow(/twinwebclient0000000000001 is not a client of user pool us-east-1_GatewayTest/);
    await expect(build(route(groups({ clientIds: ['nosuchclient'] })))).rejects.toThrow(/nosuchclient is not a client/);
    await expect(build(route(groups({ clientIds: [] })))).rejects.toThrow(/clientIds is empty/);
  });

  it('refuses an unknown policy store and one without an identity source', async () => {
    const cedar = (policyStoreId: string) => ({ type: 'cedar' as const, policyStoreId, action: { type: 'A::Action' }, resource: { type: 'A::R', id: '{id}' } });
    await expect(build(route(cedar('NoSuchStore')))).rejects.toThrow(/policy store NoSuchStore does not exist/);
    await expect(build(route(cedar('NoIdentitySource')))).rejects.toThrow(/policy store NoIdentitySource has no identity source/);
  });

  it('refuses an unknown RBAC environment, and none named when several exist', async () => {
    await expect(build(route({ type: 'rbac', userPool: POOL_ID, environment: 'three', resource: 'movie' }))).rejects.toThrow(/environment 'three' was not found/);
    await expect(build(route({ type: 'rbac', userPool: POOL_ID, resource: 'movie' }))).rejects.toThrow(/several RBAC environments exist/);
  });

  it('refuses templates that name what the route does not have', async () => {
    await expect(build(route({ type: 'rbac', userPool: POOL_ID, environment: 'one', resource: 'movie:{movieId}' }))).rejects.toThrow(/resource "movie:\{movieId\}" names \{movieId\}/);
    await expect(build(route({ type: 'cerbos', userPool: POOL_ID, kind: 'movie', id: '{id}', action: '{verb}' }))).rejects.toThrow(/action "\{verb\}" names \{verb\}/);
    await expect(build(route({ type: 'none' }, { path: '/x/{path}' }))).rejects.toThrow(/a path parameter may not be called \{path\}/);
  });

  it('refuses identity sources it cannot read and authorizer URLs that are not http', async () => {
    await expect(build(route({ type: 'lambda', url: 'http://127.0.0.1:1/a', identitySource: ['$context.requestTimeEpoch'] }))).rejects.toThrow(/identity source \$context.requestTimeEpoch/);
    await expect(build(route({ type: 'lambda', url: 'ftp://127.0.0.1/a' }))).rejects.toThrow(/must be http or https/);
  });

  it('refuses upstreams that are not plain http(s) origins with an optional prefix', async () => {
    await expect(build(route({ type: 'none' }, { upstream: 'http://127.0.0.1:1/api?x=1' }))).rejects.toThrow(/may not carry a query/);
    await expect(build(route({ type: 'none' }, { upstream: 'http://user:pw@127.0.0.1:1' }))).rejects.toThrow(/credentials/);
    await expect(build(route({ type: 'none' }, { upstream: 'file:///etc' }))).rejects.toThrow(/http or https/);
  });

  it('refuses two routes that would answer the same request', async () => {
    await expect(build(route({ type: 'none' }), route({ type: 'none' }, { path: '/movies/{name}' }))).rejects.toThrow(/both take GET/);
  });
});
