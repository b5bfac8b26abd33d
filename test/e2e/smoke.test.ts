import { AdminCreateUserCommand, AdminGetUserCommand, AdminSetUserPasswordCommand, CreateUserPoolClientCommand, CreateUserPoolCommand, GetUserCommand, InitiateAuthCommand, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('smoke', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => s?.close());

  it('creates a pool, a user, signs in and reads the user back', async () => {
    const pool = await s.admin.send(new CreateUserPoolCommand({ PoolName: 'p1' }));
    const poolId = pool.UserPool!.Id!;
    expect(pool.UserPool!.CreationDate).toBeInstanceOf(Date);
    const client = await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'c', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
    const clientId = client.UserPoolClient!.ClientId!;
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'alice', UserAttributes: [{ Name: 'email', Value: 'alice@example.com' }], MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'alice', Password: 'Passw0rd!', Permanent: true }));
    const auth = await s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD: 'Passw0rd!' } }));
    expect(auth.AuthenticationResult?.AccessToken).toBeTruthy();
    const me = await s.anonymous.send(new GetUserCommand({ AccessToken: auth.AuthenticationResult!.AccessToken! }));
    expect(me.Username).toBe('alice');
    const got = await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'alice' }));
    expect(got.UserStatus).toBe('CONFIRMED');
    const list = await s.admin.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'email ^= "ali"' }));
    expect(list.Users?.map((u) => u.Username)).toEqual(['alice']);
  });
});
