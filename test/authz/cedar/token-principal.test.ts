import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tessera } from '../../../src/app.ts';
import { freshDatabase } from '../../support/databases.ts';
import { domain, poolWithUsers } from './support.ts';

const view = { action: { actionType: 'Action', actionId: 'view' }, resource: { entityType: 'Doc', entityId: 'd' }, context: {} };

describe('a user pool token as the principal of a decision', () => {
  let t: Tessera;
  let users: Awaited<ReturnType<typeof poolWithUsers>>;
  beforeAll(async () => {
    t = await domain((await freshDatabase('sqlite')).url);
    users = await poolWithUsers(t, [
      { username: 'john', groups: ['finance', 'staff'], attributes: { email: 'john@example.com', 'custom:costCenter': 'Finance1234' } },
      { username: 'gone' },
      { username: 'off' },
    ]);
  });
  afterAll(async () => t?.close());

  async function storeWith(statement: string, opts: { schema?: string; groupEntityType?: string; principalEntityType?: string; clientIds?: string[] } = {}) {
    const admin = t.policyStores.admin;
    const store = await admin.createStore({ validationMode: opts.schema ? 'STRICT' : 'OFF' });
    if (opts.schema) await admin.putSchema(store.id, { cedarFormat: opts.schema });
    await admin.createPolicy(store.id, { static: { statement } });
    await admin.createIdentitySource(
      store.id,
      { userPoolArn: `arn:aws:cognito-idp:us-east-1:000000000000:userpool/${users.pool.id}`, clientIds: opts.clientIds ?? [users.client.clientId], ...(opts.groupEntityType && { groupEntityType: opts.groupEntityType }) },
      opts.principalEntityType ?? 'App::User',
    );
    return store.id;
  }

  const decide = (storeId: string, tokens: { identityToken?: string; accessToken?: string }) => t.policyStores.authorizer.isAuthorizedWithToken(storeId, tokens, [view], [], false);

  it('names the principal poolId|sub and gives it the ID token claims as attributes', async () => {
    const store = await storeWith('permit(principal, action, resource) when { principal["custom:costCenter"] like "Finance*" && principal.email == "john@example.com" && principal["cognito:username"] == "john" };');
    const out = await decide(store, { identityToken: users.tokens.john!.id });
    const sub = JSON.parse(Buffer.from(users.tokens.john!.id.split('.')[1]!, 'base64url').toString()).sub;
    expect(out.principal).toEqual({ entityType: 'App::User', entityId: `${users.pool.id}|${sub}` });
    expect(out.results[0]?.decision).toBe('ALLOW');
  });

  it('makes cognito:groups parent entities of the group entity type, not an attribute', async () => {
    const store = await storeWith(`permit(principal in App::Group::"${'POOL'}|finance", action, resource) unless { principal has "cognito:groups" };`.replace('POOL', users.pool.id), { groupEntityType: 'App::Group' });
    expect((await decide(store, { identityToken: users.tokens.john!.id })).results[0]?.decision).toBe('ALLOW');
  });

  it('uses AWS::CognitoGroup as the group entity type when the identity source names none', async () => {
    const store = await storeWith(`permit(principal in AWS::CognitoGroup::"${users.pool.id}|staff", action, resource);`);
    expect((await decide(store, { identityToken: users.tokens.john!.id })).results[0]?.decision).toBe('ALLOW');
  });

  it('puts access token claims in context.token, with groups still as parents', async () => {
    const store = await storeWith(`permit(principal in App::Group::"${users.pool.id}|finance", action, resource) when { context.token.client_id == "${users.client.clientId}" && context.token.scope.contains("aws.cognito.signin.user.admin") };`, {
      groupEntityType: 'App::Group',
    });
    expect((await decide(store, { accessToken: users.tokens.john!.access })).results[0]?.decision).toBe('ALLOW');
  });

  it('maps only the claims a STRICT schema declares, so undeclared claims do not break validation', async () => {
    const schema = 'namespace App { entity Group; entity User in [Group] { "custom:costCenter"?: String }; entity Doc; action view appliesTo { principal: User, resource: Doc }; }';
    const store = await storeWith('permit(principal, action, resource) when { principal has "custom:costCenter" && principal["custom:costCenter"] == "Finance1234" };', { schema, groupEntityType: 'App::Group' });
    const out = await t.policyStores.authorizer.isAuthorizedWithToken(store, { identityToken: users.tokens.john!.id }, [{ action: { actionType: 'App::Action', actionId: 'view' }, resource: { entityType: 'App::Doc', entityId: 'd' }, context: {} }], [], false);
    expect(out.results[0]).toMatchObject({ decision: 'ALLOW', errors: [] });
  });

  it('lets a caller with only an access token describe the principal in entities, keeping its groups from the token', async () => {
    const store = await storeWith(`permit(principal in App::Group::"${users.pool.id}|finance", action, resource) when { principal.level == 3 };`, { groupEntityType: 'App::Group' });
    const sub = JSON.parse(Buffer.from(users.tokens.john!.access.split('.')[1]!, 'base64url').toString()).sub;
    const described = { uid: { type: 'App::User', id: `${users.pool.id}|${sub}` }, attrs: { level: 3 }, parents: [] };
    const out = await t.policyStores.authorizer.isAuthorizedWithToken(store, { accessToken: users.tokens.john!.access }, [view], [described], false);
    expect(out.results[0]?.decision).toBe('ALLOW');
    await expect(t.policyStores.authorizer.isAuthorizedWithToken(store, { identityToken: users.tokens.john!.id }, [view], [described], false)).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('refuses principal and group entities passed beside the token', async () => {
    const store = await storeWith('permit(principal, action, resource);', { groupEntityType: 'App::Group' });
    for (const type of ['App::User', 'App::Group']) {
      await expect(t.policyStores.authorizer.isAuthorizedWithToken(store, { identityToken: users.tokens.john!.id }, [view], [{ uid: { type, id: 'x' }, attrs: {}, parents: [] }], false)).rejects.toMatchObject({
        name: 'ValidationException',
        message: new RegExp(`${type} cannot be defined in Entities`),
      });
    }
  });

  it('denies, saying why, when the session was revoked, the user disabled or deleted — which Verified Permissions would allow', async () => {
    const store = await storeWith('permit(principal, action, resource);');
    const { pool } = users;
    const goneTokens = users.tokens.gone!;
    const offTokens = users.tokens.off!;
    expect((await decide(store, { identityToken: goneTokens.id })).results[0]?.decision).toBe('ALLOW');

    await t.userPools.auth.revokeToken({ Token: users.tokens.john!.refresh, ClientId: users.client.clientId });
    await t.userPools.users.setEnabled(pool.id, 'off', false);
    await t.userPools.users.deleteUser(pool.id, 'gone');
    expect((await decide(store, { identityToken: users.tokens.john!.id })).results[0]).toMatchObject({ decision: 'DENY', determiningPolicies: [], errors: [{ errorDescription: 'The token has been revoked.' }] });
    expect((await decide(store, { identityToken: offTokens.id })).results[0]).toMatchObject({ decision: 'DENY', errors: [{ errorDescription: 'The user is disabled.' }] });
    expect((await decide(store, { accessToken: goneTokens.access })).results[0]).toMatchObject({ decision: 'DENY', errors: [{ errorDescription: 'The user no longer exists.' }] });

    const [logged] = await t.decisions.query({ scope: store, limit: 1 });
    expect(logged).toMatchObject({ decision: 'DENY', errors: ['The user no longer exists.'] });
  });

  it('refuses a token of another pool as not coming from the identity source', async () => {
    const other = await poolWithUsers(t, [{ username: 'mallory' }]);
    const store = await storeWith('permit(principal, action, resource);', { clientIds: [] });
    await expect(decide(store, { identityToken: other.tokens.mallory!.id })).rejects.toMatchObject({ name: 'ValidationException', message: /identity source/ });
  });
});
