import { createHmac } from 'node:crypto';
import {
  AdminCreateUserCommand,
  type AdminCreateUserCommandInput,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  AdminSetUserPasswordCommand,
  AdminUserGlobalSignOutCommand,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  CreateUserPoolCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.ts';
import { expectError } from '../support/expect-error.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** Cognito's SECRET_HASH: Base64(HMAC-SHA256(key = client secret, message = username + client id)). */
const secretHash = (secret: string, username: string, clientId: string) => createHmac('sha256', secret).update(username + clientId).digest('base64');

const INCORRECT = 'Incorrect username or password.';

describe('Cognito sign-in flows and sessions through the AWS SDK', () => {
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  let poolId: string;
  /** USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH and refresh; PreventUserExistenceErrors ENABLED (the default). */
  let clientId: string;
  const PASSWORD = 'S1gn-In!Passw0rd';

  beforeAll(async () => {
    s = await startTestServer({ clock });
    // Admin calls are SigV4-signed; sign them at the server's (manual) time so moving the clock keeps them valid.
    for (const client of [s.admin, s.anonymous]) {
      Object.defineProperty(client.config, 'systemClockOffset', { get: () => clock.now() - Date.now(), set: () => {}, configurable: true });
    }
    poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'auth-flows', UsernameConfiguration: { CaseSensitive: false } }))).UserPool!.Id!;
    clientId = (await createClient()).ClientId!;
  });
  afterAll(async () => s?.close());

  async function createClient(extra: Partial<CreateUserPoolClientCommandInput> = {}, pool = poolId) {
    const input = { UserPoolId: pool, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'], ...extra };
    return (await s.admin.send(new CreateUserPoolClientCommand(input as CreateUserPoolClientCommandInput))).UserPoolClient!;
  }
  /** A confirmed user with PASSWORD. */
  async function confirmedUser(Username: string, extra: Partial<AdminCreateUserCommandInput> = {}, pool = poolId) {
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: pool, Username, MessageAction: 'SUPPRESS', ...extra }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: pool, Username, Password: PASSWORD, Permanent: true }));
  }
  const signIn = (USERNAME: string, PASSWORD_: string = PASSWORD, client = clientId, extra: Record<string, string> = {}) =>
    s.anonymous.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD: PASSWORD_, ...extra } }));
  const refresh = (REFRESH_TOKEN: string, client = clientId, extra: Record<string, string> = {}, AuthFlow: 'REFRESH_TOKEN_AUTH' | 'REFRESH_TOKEN' = 'REFRESH_TOKEN_AUTH') =>
    s.anonymous.send(new InitiateAuthCommand({ ClientId: client, AuthFlow, AuthParameters: { REFRESH_TOKEN, ...extra } }));
  const getUser = (AccessToken: string) => s.anonymous.send(new GetUserCommand({ AccessToken }));

  describe('USER_PASSWORD_AUTH', () => {
    it('returns ID, access and refresh tokens with Cognito claims', async () => {
      await confirmedUser('alice', { UserAttributes: [{ Name: 'email', Value: 'alice@example.com' }, { Name: 'email_verified', Value: 'true' }] });
      const auth = await signIn('alice');
      expect(auth.ChallengeName).toBeUndefined();
      expect(auth.ChallengeParameters).toEqual({});
      const r = auth.AuthenticationResult!;
      expect(r.TokenType).toBe('Bearer');
      expect(r.ExpiresIn).toBe(3600);
      expect(r.RefreshToken).toBeTruthy();
      expect(r.RefreshToken!.split('.').length).not.toBe(3);
      const access = decodeJwt(r.AccessToken!);
      const id = decodeJwt(r.IdToken!);
      const sub = (await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'alice' }))).UserAttributes!.find((a) => a.Name === 'sub')!.Value;
      expect(access).toMatchObject({ token_use: 'access', client_id: clientId, username: 'alice', scope: 'aws.cognito.signin.user.admin', sub, iss: `http://127.0.0.1/${poolId}` });
      expect(access.aud).toBeUndefined();
      expect(id).toMatchObject({ token_use: 'id', aud: clientId, 'cognito:username': 'alice', email: 'alice@example.com', email_verified: true, sub });
      expect(id.origin_jti).toBe(access.origin_jti);
      expect(id.auth_time).toBe(Math.floor(clock.now() / 1000));
      expect(decodeProtectedHeader(r.IdToken!).kid).not.toBe(decodeProtectedHeader(r.AccessToken!).kid);
      expect((await getUser(r.AccessToken!)).Username).toBe('alice');
    });

    it('signs in whatever the case of the username in a case-insensitive pool', async () => {
      expect((await signIn('ALICE')).AuthenticationResult?.AccessToken).toBeTruthy();
    });

    it('refuses USER_PASSWORD_AUTH on a client that does not allow it', async () => {
      const srpOnly = await createClient({ ExplicitAuthFlows: undefined });
      await expectError(signIn('alice', PASSWORD, srpOnly.ClientId), 'InvalidParameterException', 'USER_PASSWORD_AUTH flow not enabled for this client');
    });

    it('refuses ADMIN_USER_PASSWORD_AUTH on a client that does not allow it', async () => {
      const publicOnly = await createClient({ ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] });
      await expectError(
        s.admin.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: publicOnly.ClientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD } })),
        'InvalidParameterException',
        'Auth flow not enabled for this client',
      );
    });

    it('refuses the admin flow on the public InitiateAuth', async () => {
      await expectError(
        s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD } })),
        'InvalidParameterException',
      );
    });

    it('refuses a sign-in without a password, and one for a client that does not exist', async () => {
      await expectError(s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice' } })), 'InvalidParameterException', /PASSWORD/);
      await expectError(signIn('alice', PASSWORD, 'nosuchclient000'), 'ResourceNotFoundException', 'User pool client nosuchclient000 does not exist.');
    });
  });

  describe('who gets told what', () => {
    let legacyClientId: string;
    beforeAll(async () => {
      legacyClientId = (await createClient({ PreventUserExistenceErrors: 'LEGACY' })).ClientId!;
      await confirmedUser('bruno');
    });

    it('answers an unknown user exactly like a wrong password when PreventUserExistenceErrors is ENABLED', async () => {
      await expectError(signIn('no-such-person'), 'NotAuthorizedException', INCORRECT);
      await expectError(signIn('bruno', 'Wr0ng!Password'), 'NotAuthorizedException', INCORRECT);
    });

    it('answers UserNotFoundException for an unknown user when PreventUserExistenceErrors is LEGACY', async () => {
      await expectError(signIn('no-such-person-2', PASSWORD, legacyClientId), 'UserNotFoundException', 'User does not exist.');
      await expectError(signIn('bruno', 'Wr0ng!Password', legacyClientId), 'NotAuthorizedException', INCORRECT);
    });

    it('refuses a disabled user with the right password', async () => {
      await confirmedUser('carla');
      await s.admin.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'carla' }));
      await expectError(signIn('carla'), 'NotAuthorizedException', 'User is disabled.');
      await s.admin.send(new AdminEnableUserCommand({ UserPoolId: poolId, Username: 'carla' }));
      expect((await signIn('carla')).AuthenticationResult?.AccessToken).toBeTruthy();
    });

    it('refuses an unconfirmed user with the right password, and says nothing about them with a wrong one', async () => {
      await s.anonymous.send(new SignUpCommand({ ClientId: clientId, Username: 'dora', Password: PASSWORD }));
      await expectError(signIn('dora'), 'UserNotConfirmedException', 'User is not confirmed.');
      await expectError(signIn('dora', 'Wr0ng!Password'), 'NotAuthorizedException', INCORRECT);
    });
  });

  describe('brute-force protection', () => {
    const wrong = 'Wr0ng!Guess';

    it('locks an existing user after five wrong passwords, even against the right one, until the lock expires', async () => {
      await confirmedUser('eve');
      for (let i = 0; i < 5; i++) await expectError(signIn('eve', wrong), 'NotAuthorizedException', INCORRECT);
      await expectError(signIn('eve', PASSWORD), 'NotAuthorizedException', 'Password attempts exceeded');
      await expectError(signIn('EVE', PASSWORD), 'NotAuthorizedException', 'Password attempts exceeded');
      clock.advance(2_000);
      expect((await signIn('eve', PASSWORD)).AuthenticationResult?.AccessToken).toBeTruthy();
    });

    it('locks a username nobody has, with the same messages, so the lock reveals nothing', async () => {
      const seen: string[] = [];
      for (let i = 0; i < 5; i++) seen.push((await expectError(signIn('phantom', wrong), 'NotAuthorizedException')).message);
      const locked = await expectError(signIn('phantom', PASSWORD), 'NotAuthorizedException');
      expect(seen).toEqual(Array(5).fill(INCORRECT));
      expect(locked.message).toBe('Password attempts exceeded');
    });

    it('counts failures against the user whichever sign-in name is typed', async () => {
      const aliasPool = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'alias-lock', AliasAttributes: ['email'], UsernameConfiguration: { CaseSensitive: false } }))).UserPool!.Id!;
      const aliasClient = await createClient({}, aliasPool);
      await confirmedUser('wanda', { UserAttributes: [{ Name: 'email', Value: 'wanda@example.com' }, { Name: 'email_verified', Value: 'true' }] }, aliasPool);
      for (const name of ['wanda@example.com', 'wanda', 'WANDA@example.com', 'wanda', 'Wanda']) {
        await expectError(signIn(name, wrong, aliasClient.ClientId), 'NotAuthorizedException', INCORRECT);
      }
      await expectError(signIn('wanda@example.com', PASSWORD, aliasClient.ClientId), 'NotAuthorizedException', 'Password attempts exceeded');
      await expectError(signIn('wanda', PASSWORD, aliasClient.ClientId), 'NotAuthorizedException', 'Password attempts exceeded');
      clock.advance(2_000);
      expect((await signIn('wanda@example.com', PASSWORD, aliasClient.ClientId)).AuthenticationResult?.AccessToken).toBeTruthy();
    });

    it('doubles the lock after each further failure', async () => {
      await confirmedUser('frank');
      for (let i = 0; i < 5; i++) await expectError(signIn('frank', wrong), 'NotAuthorizedException', INCORRECT);
      clock.advance(1_100);
      // The sixth failure locks for two seconds.
      await expectError(signIn('frank', wrong), 'NotAuthorizedException', INCORRECT);
      clock.advance(1_100);
      await expectError(signIn('frank', PASSWORD), 'NotAuthorizedException', 'Password attempts exceeded');
      clock.advance(1_000);
      expect((await signIn('frank', PASSWORD)).AuthenticationResult?.AccessToken).toBeTruthy();
    });
  });

  describe('a client with a secret', () => {
    let client: { ClientId?: string; ClientSecret?: string };
    beforeAll(async () => {
      client = await createClient({ GenerateSecret: true });
      await confirmedUser('gina');
    });

    it('signs in with a SECRET_HASH made from the client secret, the username and the client id', async () => {
      const auth = await signIn('gina', PASSWORD, client.ClientId, { SECRET_HASH: secretHash(client.ClientSecret!, 'gina', client.ClientId!) });
      expect(auth.AuthenticationResult?.RefreshToken).toBeTruthy();
    });

    it('refuses a sign-in without SECRET_HASH', async () => {
      await expectError(signIn('gina', PASSWORD, client.ClientId), 'NotAuthorizedException', `Client ${client.ClientId} is configured with secret but SECRET_HASH was not received`);
    });

    it('refuses a SECRET_HASH made with the wrong secret or for another username', async () => {
      const err = await expectError(signIn('gina', PASSWORD, client.ClientId, { SECRET_HASH: secretHash('not-the-secret', 'gina', client.ClientId!) }), 'NotAuthorizedException');
      expect(err.message).toContain(client.ClientId!);
      expect(err.message).toMatch(/secret ?hash/i);
      await expectError(signIn('gina', PASSWORD, client.ClientId, { SECRET_HASH: secretHash(client.ClientSecret!, 'someone-else', client.ClientId!) }), 'NotAuthorizedException');
    });

    it('checks SECRET_HASH when refreshing, too', async () => {
      const first = (await signIn('gina', PASSWORD, client.ClientId, { SECRET_HASH: secretHash(client.ClientSecret!, 'gina', client.ClientId!) })).AuthenticationResult!;
      await expectError(refresh(first.RefreshToken!, client.ClientId), 'NotAuthorizedException');
      await expectError(refresh(first.RefreshToken!, client.ClientId, { SECRET_HASH: secretHash('not-the-secret', 'gina', client.ClientId!) }), 'NotAuthorizedException');
      const again = await refresh(first.RefreshToken!, client.ClientId, { SECRET_HASH: secretHash(client.ClientSecret!, 'gina', client.ClientId!) });
      expect(again.AuthenticationResult?.AccessToken).toBeTruthy();
    });
  });

  describe('refresh tokens', () => {
    it('mints new ID and access tokens of the same session, without a new refresh token', async () => {
      await confirmedUser('hugo');
      const first = (await signIn('hugo')).AuthenticationResult!;
      clock.advance(60_000);
      for (const flow of ['REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN'] as const) {
        const r = (await refresh(first.RefreshToken!, clientId, {}, flow)).AuthenticationResult!;
        expect(r.RefreshToken).toBeUndefined();
        expect(r.ExpiresIn).toBe(3600);
        const access = decodeJwt(r.AccessToken!);
        const original = decodeJwt(first.AccessToken!);
        expect(access.origin_jti).toBe(original.origin_jti);
        expect(access.auth_time).toBe(original.auth_time);
        expect(access.iat).toBe(original.iat! + 60);
        expect(access.jti).not.toBe(original.jti);
        expect(decodeJwt(r.IdToken!)['cognito:username']).toBe('hugo');
        expect((await getUser(r.AccessToken!)).Username).toBe('hugo');
      }
    });

    it('refuses a refresh token it never issued, or one issued to another client', async () => {
      await expectError(refresh('this-is-not-a-refresh-token'), 'NotAuthorizedException', 'Invalid Refresh Token');
      const other = await createClient();
      const first = (await signIn('hugo')).AuthenticationResult!;
      await expectError(refresh(first.RefreshToken!, other.ClientId), 'NotAuthorizedException', 'Invalid Refresh Token');
    });

    it('refuses a refresh token after it expires, and an access token after it expires', async () => {
      const shortLived = await createClient({ RefreshTokenValidity: 2, TokenValidityUnits: { RefreshToken: 'hours' }, AccessTokenValidity: 1, IdTokenValidity: 1 });
      const first = (await signIn('hugo', PASSWORD, shortLived.ClientId)).AuthenticationResult!;
      clock.advance(61 * 60_000);
      await expectError(getUser(first.AccessToken!), 'NotAuthorizedException', 'Access Token has expired');
      const renewed = (await refresh(first.RefreshToken!, shortLived.ClientId)).AuthenticationResult!;
      expect((await getUser(renewed.AccessToken!)).Username).toBe('hugo');
      clock.advance(60 * 60_000);
      await expectError(refresh(first.RefreshToken!, shortLived.ClientId), 'NotAuthorizedException', 'Refresh Token has expired');
    });
  });

  describe('NEW_PASSWORD_REQUIRED', () => {
    const TEMPORARY = 'Temp0rary!Pass';
    const NEW = 'Br4nd-New!Pass';
    const respond = (Session: string | undefined, USERNAME: string, extra: Record<string, string> = {}, client = clientId) =>
      s.anonymous.send(new RespondToAuthChallengeCommand({ ClientId: client, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session, ChallengeResponses: { USERNAME, NEW_PASSWORD: NEW, ...extra } }));

    it('asks a user with a temporary password for a new one, then issues tokens and confirms the user', async () => {
      await s.admin.send(
        new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'ivan', TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'ivan@example.com' }] }),
      );
      const step = await signIn('ivan', TEMPORARY);
      expect(step.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
      expect(step.AuthenticationResult).toBeUndefined();
      expect(step.Session!.length).toBeGreaterThanOrEqual(20);
      expect(step.ChallengeParameters!.USER_ID_FOR_SRP).toBe('ivan');
      expect(JSON.parse(step.ChallengeParameters!.userAttributes!)).toMatchObject({ email: 'ivan@example.com' });
      expect(JSON.parse(step.ChallengeParameters!.requiredAttributes!)).toEqual([]);
      const done = await respond(step.Session, 'ivan');
      expect(done.AuthenticationResult?.AccessToken).toBeTruthy();
      expect(done.AuthenticationResult?.RefreshToken).toBeTruthy();
      expect((await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'ivan' }))).UserStatus).toBe('CONFIRMED');
      expect((await signIn('ivan', NEW)).AuthenticationResult?.AccessToken).toBeTruthy();
      await expectError(signIn('ivan', TEMPORARY), 'NotAuthorizedException', INCORRECT);
    });

    it('accepts a challenge session once only', async () => {
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'jade', TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS' }));
      const step = await signIn('jade', TEMPORARY);
      await respond(step.Session, 'jade');
      await expectError(respond(step.Session, 'jade'), 'NotAuthorizedException', /^Invalid session for the user/);
    });

    it('refuses a session it never issued, and a missing session', async () => {
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'kurt', TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS' }));
      await signIn('kurt', TEMPORARY);
      await expectError(respond('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'kurt'), 'NotAuthorizedException', 'Invalid session for the user.');
      await expectError(respond(undefined, 'kurt'), 'InvalidParameterException', /Session/);
      expect((await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'kurt' }))).UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    });

    it('refuses a session issued to another user or another client', async () => {
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'lena', TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS' }));
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'milo', TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS' }));
      const lenaStep = await signIn('lena', TEMPORARY);
      await expectError(respond(lenaStep.Session, 'milo'), 'NotAuthorizedException', /^Invalid session for the user/);
      const miloStep = await signIn('milo', TEMPORARY);
      const other = await createClient();
      await expectError(respond(miloStep.Session, 'milo', {}, other.ClientId), 'NotAuthorizedException', /^Invalid session for the user/);
      expect((await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'milo' }))).UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    });

    it('refuses a session after it expires', async () => {
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'nina', TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS' }));
      const step = await signIn('nina', TEMPORARY);
      clock.advance(4 * 60_000);
      await expectError(respond(step.Session, 'nina'), 'NotAuthorizedException', 'Invalid session for the user, session is expired.');
    });

    it('refuses to finish the challenge for a user disabled since it was issued', async () => {
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'nora', TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS' }));
      const step = await signIn('nora', TEMPORARY);
      await s.admin.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'nora' }));
      await expectError(respond(step.Session, 'nora'), 'NotAuthorizedException', 'User is disabled.');
      expect((await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'nora' }))).UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    });

    it('refuses a new password that breaks the policy', async () => {
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'olga', TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS' }));
      const step = await signIn('olga', TEMPORARY);
      await expectError(respond(step.Session, 'olga', { NEW_PASSWORD: 'weak' }), 'InvalidPasswordException', /Password not long enough/);
      expect((await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'olga' }))).UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    });

    it('lists required attributes the user lacks and saves them from the answer', async () => {
      const pool = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'required-name', Schema: [{ Name: 'name', AttributeDataType: 'String', Required: true, Mutable: true }] }))).UserPool!.Id!;
      const client = await createClient({}, pool);
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: pool, Username: 'pete', TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS' }));
      const step = await signIn('pete', TEMPORARY, client.ClientId);
      expect(JSON.parse(step.ChallengeParameters!.requiredAttributes!)).toEqual(['userAttributes.name']);
      const done = await respond(step.Session, 'pete', { 'userAttributes.name': 'Pete Best' }, client.ClientId);
      expect(decodeJwt(done.AuthenticationResult!.IdToken!).name).toBe('Pete Best');
    });

    it('completes the same challenge through AdminInitiateAuth and AdminRespondToAuthChallenge', async () => {
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'quinn', TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS' }));
      const step = await s.admin.send(
        new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'quinn', PASSWORD: TEMPORARY } }),
      );
      expect(step.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
      const adminRespond = (Session: string | undefined) =>
        s.admin.send(new AdminRespondToAuthChallengeCommand({ UserPoolId: poolId, ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session, ChallengeResponses: { USERNAME: 'quinn', NEW_PASSWORD: NEW } }));
      await expectError(adminRespond('BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'), 'NotAuthorizedException', 'Invalid session for the user.');
      const done = await adminRespond(step.Session);
      expect(decodeJwt(done.AuthenticationResult!.AccessToken!).username).toBe('quinn');
      await expectError(adminRespond(step.Session), 'NotAuthorizedException', /^Invalid session for the user/);
    });

    it('refuses AdminRespondToAuthChallenge for a client of another pool', async () => {
      const otherPool = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'elsewhere' }))).UserPool!.Id!;
      const foreign = await createClient({}, otherPool);
      await expectError(
        s.admin.send(
          new AdminRespondToAuthChallengeCommand({
            UserPoolId: poolId,
            ClientId: foreign.ClientId,
            ChallengeName: 'NEW_PASSWORD_REQUIRED',
            Session: 'CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC',
            ChallengeResponses: { USERNAME: 'quinn', NEW_PASSWORD: NEW },
          }),
        ),
        'InvalidParameterException',
      );
    });
  });

  describe('AdminInitiateAuth', () => {
    it('signs a user in with ADMIN_USER_PASSWORD_AUTH and its legacy name ADMIN_NO_SRP_AUTH', async () => {
      await confirmedUser('rita');
      for (const AuthFlow of ['ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH'] as const) {
        const auth = await s.admin.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow, AuthParameters: { USERNAME: 'rita', PASSWORD } }));
        expect(decodeJwt(auth.AuthenticationResult!.AccessToken!).username).toBe('rita');
        expect(auth.AuthenticationResult!.RefreshToken).toBeTruthy();
      }
    });

    it('refuses a wrong password and a client of another pool', async () => {
      await expectError(
        s.admin.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'rita', PASSWORD: 'Wr0ng!Password' } })),
        'NotAuthorizedException',
        INCORRECT,
      );
      const otherPool = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'elsewhere-2' }))).UserPool!.Id!;
      const foreign = await createClient({}, otherPool);
      await expectError(
        s.admin.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: foreign.ClientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'rita', PASSWORD } })),
        'InvalidParameterException',
      );
    });

    it('refuses callers who are not signed with the admin credentials', async () => {
      await expectError(
        s.anonymous.send(new AdminInitiateAuthCommand({ UserPoolId: poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'rita', PASSWORD } })),
        'UnrecognizedClientException',
      );
    });
  });

  describe('revocation and sign-out', () => {
    it('revokes a refresh token and every access token minted from it, and nothing else', async () => {
      await confirmedUser('sara');
      const doomed = (await signIn('sara')).AuthenticationResult!;
      const renewed = (await refresh(doomed.RefreshToken!)).AuthenticationResult!;
      const survivor = (await signIn('sara')).AuthenticationResult!;
      await s.anonymous.send(new RevokeTokenCommand({ ClientId: clientId, Token: doomed.RefreshToken! }));
      await expectError(refresh(doomed.RefreshToken!), 'NotAuthorizedException', 'Refresh Token has been revoked');
      await expectError(getUser(doomed.AccessToken!), 'NotAuthorizedException', 'Access Token has been revoked');
      await expectError(getUser(renewed.AccessToken!), 'NotAuthorizedException', 'Access Token has been revoked');
      expect((await getUser(survivor.AccessToken!)).Username).toBe('sara');
      expect((await refresh(survivor.RefreshToken!)).AuthenticationResult?.AccessToken).toBeTruthy();
    });

    it('refuses to revoke an access token, which is not a refresh token', async () => {
      const auth = (await signIn('sara')).AuthenticationResult!;
      await expectError(s.anonymous.send(new RevokeTokenCommand({ ClientId: clientId, Token: auth.AccessToken! })), 'UnsupportedTokenTypeException');
      expect((await getUser(auth.AccessToken!)).Username).toBe('sara');
    });

    it('requires the client secret to revoke a token of a confidential client', async () => {
      const confidential = await createClient({ GenerateSecret: true });
      const auth = (await signIn('sara', PASSWORD, confidential.ClientId, { SECRET_HASH: secretHash(confidential.ClientSecret!, 'sara', confidential.ClientId!) })).AuthenticationResult!;
      await expectError(s.anonymous.send(new RevokeTokenCommand({ ClientId: confidential.ClientId, Token: auth.RefreshToken! })), 'NotAuthorizedException');
      await expectError(s.anonymous.send(new RevokeTokenCommand({ ClientId: confidential.ClientId, Token: auth.RefreshToken!, ClientSecret: 'wrong-secret' })), 'NotAuthorizedException');
      expect((await getUser(auth.AccessToken!)).Username).toBe('sara');
      await s.anonymous.send(new RevokeTokenCommand({ ClientId: confidential.ClientId, Token: auth.RefreshToken!, ClientSecret: confidential.ClientSecret }));
      await expectError(getUser(auth.AccessToken!), 'NotAuthorizedException', 'Access Token has been revoked');
    });

    it('refuses RevokeToken on a client with token revocation turned off', async () => {
      const noRevocation = await createClient({ EnableTokenRevocation: false });
      const auth = (await signIn('sara', PASSWORD, noRevocation.ClientId)).AuthenticationResult!;
      await expectError(s.anonymous.send(new RevokeTokenCommand({ ClientId: noRevocation.ClientId, Token: auth.RefreshToken! })), 'UnsupportedOperationException');
    });

    it('signs a user out everywhere with GlobalSignOut', async () => {
      await confirmedUser('tom');
      const a = (await signIn('tom')).AuthenticationResult!;
      const b = (await signIn('tom')).AuthenticationResult!;
      await s.anonymous.send(new GlobalSignOutCommand({ AccessToken: a.AccessToken! }));
      for (const session of [a, b]) {
        await expectError(getUser(session.AccessToken!), 'NotAuthorizedException', 'Access Token has been revoked');
        await expectError(refresh(session.RefreshToken!), 'NotAuthorizedException', 'Refresh Token has been revoked');
      }
      await expectError(s.anonymous.send(new GlobalSignOutCommand({ AccessToken: a.AccessToken! })), 'NotAuthorizedException', 'Access Token has been revoked');
      expect((await getUser((await signIn('tom')).AuthenticationResult!.AccessToken!)).Username).toBe('tom');
    });

    it('refuses GlobalSignOut with an ID token or a malformed token', async () => {
      const auth = (await signIn('tom')).AuthenticationResult!;
      await expectError(s.anonymous.send(new GlobalSignOutCommand({ AccessToken: auth.IdToken! })), 'NotAuthorizedException', 'Invalid Access Token');
      await expectError(s.anonymous.send(new GlobalSignOutCommand({ AccessToken: 'not.a.jwt' })), 'NotAuthorizedException', 'Invalid Access Token');
      expect((await getUser(auth.AccessToken!)).Username).toBe('tom');
    });

    it('signs a user out everywhere with AdminUserGlobalSignOut, without touching other users', async () => {
      await confirmedUser('uma');
      const target = (await signIn('uma')).AuthenticationResult!;
      const bystander = (await signIn('tom')).AuthenticationResult!;
      await s.admin.send(new AdminUserGlobalSignOutCommand({ UserPoolId: poolId, Username: 'uma' }));
      await expectError(getUser(target.AccessToken!), 'NotAuthorizedException', 'Access Token has been revoked');
      await expectError(refresh(target.RefreshToken!), 'NotAuthorizedException', 'Refresh Token has been revoked');
      expect((await getUser(bystander.AccessToken!)).Username).toBe('tom');
      await expectError(s.admin.send(new AdminUserGlobalSignOutCommand({ UserPoolId: poolId, Username: 'nobody' })), 'UserNotFoundException', 'User does not exist.');
    });

    it('stops a disabled user tokens working, and lets the user sign in again once enabled', async () => {
      await confirmedUser('vera');
      const auth = (await signIn('vera')).AuthenticationResult!;
      await s.admin.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'vera' }));
      await expectError(getUser(auth.AccessToken!), 'NotAuthorizedException', /revoked|disabled/i);
      await expectError(refresh(auth.RefreshToken!), 'NotAuthorizedException');
      await expectError(signIn('vera'), 'NotAuthorizedException', 'User is disabled.');
      await s.admin.send(new AdminEnableUserCommand({ UserPoolId: poolId, Username: 'vera' }));
      expect((await getUser((await signIn('vera')).AuthenticationResult!.AccessToken!)).Username).toBe('vera');
    });
  });
});
