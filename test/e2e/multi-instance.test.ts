import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserPoolClientCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/databases.ts';
import { startServerProcess, type ServerProcess } from '../support/process.ts';
import { ADMIN_CREDENTIALS, REGION } from '../support/server.ts';

const env = { TESSERA_ACCESS_KEY_ID: ADMIN_CREDENTIALS.accessKeyId, TESSERA_SECRET_ACCESS_KEY: ADMIN_CREDENTIALS.secretAccessKey };
const sdk = (url: string) => new CognitoIdentityProviderClient({ endpoint: url, region: REGION, credentials: ADMIN_CREDENTIALS, maxAttempts: 1 });

describe.skipIf(!process.env.TESSERA_TEST_POSTGRES_URL)('two server processes on one PostgreSQL database', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let drop: () => Promise<void>;
  let clientId: string;
  let poolId: string;

  beforeAll(async () => {
    const db = await freshDatabase('postgres');
    drop = db.drop;
    // Started together, so both race to migrate the empty database.
    [a, b] = await Promise.all([startServerProcess(['--db', db.url, '--public-url', 'http://tessera.test'], env), startServerProcess(['--db', db.url, '--public-url', 'http://tessera.test'], env)]);
    const pool = await sdk(a.url).send(new CreateUserPoolCommand({ PoolName: 'shared' }));
    poolId = pool.UserPool!.Id!;
    const client = await sdk(b.url).send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
    clientId = client.UserPoolClient!.ClientId!;
    await sdk(a.url).send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'carol', MessageAction: 'SUPPRESS' }));
    await sdk(b.url).send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'carol', Password: 'Passw0rd!', Permanent: true }));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await drop?.();
  });

  const signIn = (url: string) =>
    sdk(url).send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'carol', PASSWORD: 'Passw0rd!' } }));

  it('accepts on one instance the tokens the other issued', async () => {
    const tokens = await signIn(a.url);
    const me = await sdk(b.url).send(new GetUserCommand({ AccessToken: tokens.AuthenticationResult!.AccessToken! }));
    expect(me.Username).toBe('carol');
    const jwksA = await (await fetch(`${a.url}/${poolId}/.well-known/jwks.json`)).json();
    const jwksB = await (await fetch(`${b.url}/${poolId}/.well-known/jwks.json`)).json();
    expect(jwksB).toEqual(jwksA);
  });

  it('refuses on one instance a token revoked on the other', async () => {
    const tokens = await signIn(a.url);
    const access = tokens.AuthenticationResult!.AccessToken!;
    await expect(sdk(a.url).send(new GetUserCommand({ AccessToken: access }))).resolves.toBeDefined();
    await sdk(b.url).send(new RevokeTokenCommand({ ClientId: clientId, Token: tokens.AuthenticationResult!.RefreshToken! }));
    await expect(sdk(a.url).send(new GetUserCommand({ AccessToken: access }))).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Access Token has been revoked' });
    await expect(
      sdk(a.url).send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.AuthenticationResult!.RefreshToken! } })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('signs a user out everywhere from either instance', async () => {
    const first = await signIn(a.url);
    const second = await signIn(b.url);
    await sdk(b.url).send(new GlobalSignOutCommand({ AccessToken: first.AuthenticationResult!.AccessToken! }));
    for (const url of [a.url, b.url]) {
      await expect(sdk(url).send(new GetUserCommand({ AccessToken: second.AuthenticationResult!.AccessToken! }))).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    }
  });

  it('sees a client change made on the other instance within two seconds', async () => {
    const id = (await sdk(a.url).send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'shortlived', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }))).UserPoolClient!.ClientId!;
    const signInWith = (url: string) => sdk(url).send(new InitiateAuthCommand({ ClientId: id, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'carol', PASSWORD: 'Passw0rd!' } }));
    await expect(signInWith(b.url)).resolves.toBeDefined();
    await sdk(a.url).send(new DeleteUserPoolClientCommand({ UserPoolId: poolId, ClientId: id }));
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expect(signInWith(b.url)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
