/**
 * With `requireTokenPrincipal`, Tessera never trusts a principal from the request body: every check
 * carries a Tessera token and the principal is built from it.
 */
import { fileURLToPath } from 'node:url';
import { AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminSetUserPasswordCommand, CreateGroupCommand, CreateUserPoolClientCommand, CreateUserPoolCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

const POLICIES = fileURLToPath(new URL('../../examples/seed-003-contacts/cerbos', import.meta.url));

describe('Cerbos checks with principals only from tokens', () => {
  let s: TestServer;
  let idToken: string;
  let sub: string;

  beforeAll(async () => {
    s = await startTestServer({ cerbos: { policiesDir: POLICIES, requireTokenPrincipal: true } });
    const poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'contacts' }))).UserPool!.Id!;
    const clientId = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
    await s.admin.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'user' }));
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'bob', MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'bob', Password: 'Bob-passw0rd!', Permanent: true }));
    await s.admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'bob', GroupName: 'user' }));
    const auth = await s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'bob', PASSWORD: 'Bob-passw0rd!' } }));
    idToken = auth.AuthenticationResult!.IdToken!;
    sub = String(decodeJwt(idToken).sub);
  });
  afterAll(() => s.close());

  const check = async (body: object) => {
    const res = await fetch(`${s.url}/api/check/resources`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { code?: number; message?: string; results?: Array<{ actions: Record<string, string> }> } };
  };
  const resources = (owner: string) => [{ resource: { kind: 'contact', id: 'c1', attr: { owner } }, actions: ['update'] }];

  it('refuses a request without a token, even with a principal in the body', async () => {
    const res = await check({ principal: { id: 'admin-ish', roles: ['admin'] }, resources: resources('x') });
    expect(res).toMatchObject({ status: 400, body: { code: 3, message: expect.stringContaining('auxData.jwt.token is required') } });
  });

  it('builds the principal from the token: roles from its groups, not from the body', async () => {
    const mine = await check({ principal: { id: '', roles: [] }, resources: resources(sub), auxData: { jwt: { token: idToken } } });
    expect(mine.body.results?.[0]?.actions).toEqual({ update: 'EFFECT_ALLOW' });
    const claimedAdmin = await check({ principal: { id: '', roles: ['admin'] }, resources: resources('someone-else'), auxData: { jwt: { token: idToken } } });
    expect(claimedAdmin.body.results?.[0]?.actions).toEqual({ update: 'EFFECT_DENY' });
  });

  it('refuses a body principal that is not the token subject, and a forged token', async () => {
    const other = await check({ principal: { id: 'someone-else', roles: ['user'] }, resources: resources('someone-else'), auxData: { jwt: { token: idToken } } });
    expect(other).toMatchObject({ status: 400, body: { code: 3, message: 'principal.id does not match the token subject' } });
    const [header, payload] = idToken.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    expect(await check({ principal: { id: '', roles: [] }, resources: resources(sub), auxData: { jwt: { token: forged } } })).toMatchObject({ status: 400, body: { code: 3, message: 'invalid auxData' } });
  });
});
