import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createHmac } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/expect-error.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'Refresh-Passw0rd!';

/** GetTokensFromRefreshToken, the operation Amplify v6 refreshes with. */
describe('GetTokensFromRefreshToken', () => {
  let s: TestServer;
  let client: { id: string; secret: string };
  let refreshToken: string;

  beforeAll(async () => {
    s = await startTestServer();
    const poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'refresh-op' }))).UserPool!.Id!;
    const c = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'server', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!;
    client = { id: c.ClientId!, secret: c.ClientSecret! };
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'rory', MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'rory', Password: PASSWORD, Permanent: true }));
    const SECRET_HASH = createHmac('sha256', client.secret).update(`rory${client.id}`).digest('base64');
    refreshToken = (await s.anonymous.send(new InitiateAuthCommand({ ClientId: client.id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'rory', PASSWORD, SECRET_HASH } }))).AuthenticationResult!.RefreshToken!;
  });
  afterAll(async () => s?.close());

  it('mints new ID and access tokens for a refresh token and the client secret, without rotating the refresh token', async () => {
    const out = await s.anonymous.send(new GetTokensFromRefreshTokenCommand({ ClientId: client.id, RefreshToken: refreshToken, ClientSecret: client.secret }));
    expect(decodeJwt(out.AuthenticationResult!.IdToken!)).toMatchObject({ 'cognito:username': 'rory', token_use: 'id' });
    expect(out.AuthenticationResult!.RefreshToken).toBeUndefined();
  });

  it('refuses a missing or wrong client secret, an unknown token, and a revoked one', async () => {
    await expectError(s.anonymous.send(new GetTokensFromRefreshTokenCommand({ ClientId: client.id, RefreshToken: refreshToken })), 'NotAuthorizedException', 'Client authentication failed.');
    await expectError(s.anonymous.send(new GetTokensFromRefreshTokenCommand({ ClientId: client.id, RefreshToken: refreshToken, ClientSecret: 'wrong' })), 'NotAuthorizedException', 'Client authentication failed.');
    await expectError(s.anonymous.send(new GetTokensFromRefreshTokenCommand({ ClientId: client.id, RefreshToken: 'not-a-refresh-token', ClientSecret: client.secret })), 'NotAuthorizedException', 'Invalid Refresh Token');
    await s.anonymous.send(new RevokeTokenCommand({ ClientId: client.id, ClientSecret: client.secret, Token: refreshToken }));
    await expectError(s.anonymous.send(new GetTokensFromRefreshTokenCommand({ ClientId: client.id, RefreshToken: refreshToken, ClientSecret: client.secret })), 'NotAuthorizedException', 'Refresh Token has been revoked');
  });
});
