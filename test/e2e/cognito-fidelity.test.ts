import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminSetUserPasswordCommand,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserPoolClientCommand,
  UpdateUserPoolClientCommand,
  ForgotPasswordCommand,
  ConfirmForgotPasswordCommand,
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'Passw0rd!';

describe('details Cognito clients rely on', () => {
  let s: TestServer;
  let poolId: string;
  let clientId: string;

  const createUser = async (username: string, attributes: Record<string, string> = {}, permanent = true) => {
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: username, MessageAction: 'SUPPRESS', TemporaryPassword: PASSWORD, UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })) }));
    if (permanent) await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: PASSWORD, Permanent: true }));
  };
  const signIn = (username: string, client = clientId) =>
    s.anonymous.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD } }));

  beforeAll(async () => {
    s = await startTestServer();
    poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'fidelity' }))).UserPool!.Id!;
    clientId = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
  });
  afterAll(async () => s?.close());

  it('treats usernames as case-sensitive when the pool does not say otherwise', async () => {
    await createUser('CaseUser');
    await expect(signIn('CaseUser')).resolves.toBeDefined();
    await expect(signIn('caseuser')).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  });

  it('puts group roles and the preferred role into the ID token only', async () => {
    await s.admin.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'editors', Precedence: 1, RoleArn: 'arn:aws:iam::000000000000:role/editor' }));
    await s.admin.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'readers', Precedence: 2, RoleArn: 'arn:aws:iam::000000000000:role/reader' }));
    await createUser('roley');
    for (const g of ['readers', 'editors']) await s.admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'roley', GroupName: g }));
    const tokens = (await signIn('roley')).AuthenticationResult!;
    expect(decodeJwt(tokens.IdToken!)).toMatchObject({
      'cognito:groups': ['editors', 'readers'],
      'cognito:roles': ['arn:aws:iam::000000000000:role/editor', 'arn:aws:iam::000000000000:role/reader'],
      'cognito:preferred_role': 'arn:aws:iam::000000000000:role/editor',
    });
    expect(decodeJwt(tokens.AccessToken!)['cognito:roles']).toBeUndefined();
  });

  it('lets a client retry NEW_PASSWORD_REQUIRED with the same session after a weak password', async () => {
    await createUser('newbie', {}, false);
    const challenge = await signIn('newbie');
    expect(challenge.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    const respond = (password: string) =>
      s.anonymous.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: challenge.Session, ChallengeResponses: { USERNAME: 'newbie', NEW_PASSWORD: password } }));
    await expect(respond('weak')).rejects.toMatchObject({ name: 'InvalidPasswordException' });
    const done = await respond('Str0nger-Passw0rd!');
    expect(done.AuthenticationResult?.AccessToken).toBeTruthy();
    await expect(respond('Str0nger-Passw0rd!')).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('tells a disabled user so, on refresh and on GetUser', async () => {
    await createUser('dora');
    const tokens = (await signIn('dora')).AuthenticationResult!;
    await s.admin.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'dora' }));
    await expect(s.anonymous.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }))).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'User is disabled.' });
    await expect(
      s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException', message: 'User is disabled.' });
  });

  it('keeps answering LimitExceededException after too many wrong codes, until a new code is sent', async () => {
    await createUser('coder', { email: 'coder@example.com', email_verified: 'true' });
    await s.anonymous.send(new ForgotPasswordCommand({ ClientId: clientId, Username: 'coder' }));
    const confirm = (code: string) => s.anonymous.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: 'coder', ConfirmationCode: code, Password: 'N3w-Passw0rd!' }));
    for (let i = 0; i < 5; i++) await expect(confirm('000000')).rejects.toMatchObject({ name: 'CodeMismatchException' });
    const [message] = await s.tessera.outbox.list({ destination: 'coder@example.com', limit: 1 });
    await expect(confirm(message!.code!)).rejects.toMatchObject({ name: 'LimitExceededException' });
    await expect(confirm('000000')).rejects.toMatchObject({ name: 'LimitExceededException' });
    await s.anonymous.send(new ForgotPasswordCommand({ ClientId: clientId, Username: 'coder' }));
    const [fresh] = await s.tessera.outbox.list({ destination: 'coder@example.com', limit: 1 });
    expect(fresh!.code).not.toBeNull();
    await expect(confirm(fresh!.code!)).resolves.toBeDefined();
  });

  it('shows GetUser only the attributes the token’s client may read', async () => {
    const narrow = (
      await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'narrow', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'], ReadAttributes: ['email'] }))
    ).UserPoolClient!.ClientId!;
    await createUser('reader', { email: 'reader@example.com', name: 'Private Name' });
    const tokens = (await signIn('reader', narrow)).AuthenticationResult!;
    const me = await s.anonymous.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }));
    expect(me.UserAttributes?.map((a) => a.Name).sort()).toEqual(['email', 'sub']);
    expect(decodeJwt(tokens.IdToken!).name).toBeUndefined();
  });

  it('refuses a 101st group for one user with LimitExceededException, and stays idempotent for existing memberships', async () => {
    await createUser('joiner');
    for (let i = 0; i < 101; i++) await s.admin.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: `many-${String(i).padStart(3, '0')}` }));
    for (let i = 0; i < 100; i++) await s.admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'joiner', GroupName: `many-${String(i).padStart(3, '0')}` }));
    await expect(s.admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'joiner', GroupName: 'many-000' }))).resolves.toBeDefined();
    await expect(s.admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'joiner', GroupName: 'many-100' }))).rejects.toMatchObject({
      name: 'LimitExceededException',
      message: 'The limit of 100 groups per user has been reached.',
    });
  });

  it('applies a client change made through this server to the very next sign-in', async () => {
    const id = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'changing', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }))).UserPoolClient!.ClientId!;
    await createUser('changer');
    await expect(signIn('changer', id)).resolves.toBeDefined();
    await s.admin.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: id, ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'] }));
    await expect(signIn('changer', id)).rejects.toMatchObject({ name: 'InvalidParameterException', message: 'USER_PASSWORD_AUTH flow not enabled for this client' });
    await s.admin.send(new DeleteUserPoolClientCommand({ UserPoolId: poolId, ClientId: id }));
    await expect(signIn('changer', id)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
