import { createHmac } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  type AttributeType,
  ChangePasswordCommand,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  CreateUserPoolCommand,
  type CreateUserPoolCommandInput,
  DeleteUserCommand,
  ForgotPasswordCommand,
  GetUserCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.ts';
import { expectError } from '../support/expect-error.ts';
import { rawCall, startTestServer, type TestServer } from '../support/server.ts';

const attr = (list: AttributeType[] | undefined, name: string) => list?.find((a) => a.Name === name)?.Value;
/** A six-digit code that is certainly not `code`. */
const otherThan = (code: string) => (code === '000000' ? '111111' : '000000');

const MISMATCH = 'Invalid verification code provided, please try again.';
const INCORRECT = 'Incorrect username or password.';

describe('Cognito self-service operations through the AWS SDK', () => {
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  let poolId: string;
  /** PreventUserExistenceErrors ENABLED, the default. */
  let clientId: string;
  let legacyClientId: string;
  const PASSWORD = 'Self-S3rvice!Pw';

  beforeAll(async () => {
    s = await startTestServer({ clock });
    // Admin calls are SigV4-signed; sign them at the server's (manual) time so moving the clock keeps them valid.
    Object.defineProperty(s.admin.config, 'systemClockOffset', { get: () => clock.now() - Date.now(), set: () => {}, configurable: true });
    ({ poolId, clientId } = await createPool({ PoolName: 'self-service', AutoVerifiedAttributes: ['email'], UsernameConfiguration: { CaseSensitive: false } }));
    legacyClientId = (await createClient(poolId, { PreventUserExistenceErrors: 'LEGACY' })).ClientId!;
  });
  afterAll(async () => s?.close());

  async function createClient(pool: string, extra: Partial<CreateUserPoolClientCommandInput> = {}) {
    const input = { UserPoolId: pool, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'], ...extra };
    return (await s.admin.send(new CreateUserPoolClientCommand(input as CreateUserPoolClientCommandInput))).UserPoolClient!;
  }
  async function createPool(input: CreateUserPoolCommandInput) {
    const id = (await s.admin.send(new CreateUserPoolCommand(input))).UserPool!.Id!;
    return { poolId: id, clientId: (await createClient(id)).ClientId! };
  }

  const signUp = (Username: string, email: string, client = clientId) =>
    s.anonymous.send(new SignUpCommand({ ClientId: client, Username, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
  const confirm = (Username: string, ConfirmationCode: string, client = clientId) => s.anonymous.send(new ConfirmSignUpCommand({ ClientId: client, Username, ConfirmationCode }));
  const signIn = (USERNAME: string, password = PASSWORD, client = clientId) =>
    s.anonymous.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD: password } }));
  const adminGet = (Username: string, pool = poolId) => s.admin.send(new AdminGetUserCommand({ UserPoolId: pool, Username }));
  /** Messages sent to an address, newest first (the clock ticks before every send, so order is exact). */
  const messages = async (destination: string, purpose?: string) =>
    (await s.tessera.outbox.list({ destination })).filter((m) => purpose === undefined || m.purpose === purpose);
  const latestCode = async (destination: string, purpose: string) => {
    const [latest] = await messages(destination, purpose);
    expect(latest?.code, `a ${purpose} code sent to ${destination}`).toMatch(/^\d{6}$/);
    return latest!.code!;
  };
  /** Signs up, confirms with the emailed code, signs in: returns the tokens. */
  async function confirmedUser(username: string, email: string) {
    clock.advance(1000);
    await signUp(username, email);
    await confirm(username, await latestCode(email, 'signup'));
    return (await signIn(username)).AuthenticationResult!;
  }

  describe('SignUp', () => {
    it('creates an unconfirmed user and emails a code that the response never carries', async () => {
      clock.advance(1000);
      const res = await signUp('sam', 'sam@example.com');
      expect(res.UserConfirmed).toBe(false);
      expect(res.UserSub).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.CodeDeliveryDetails).toEqual({ Destination: 's***@example.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
      const sent = await messages('sam@example.com');
      expect(sent).toHaveLength(1);
      expect(sent[0]!.purpose).toBe('signup');
      expect(sent[0]!.code).toMatch(/^\d{6}$/);
      expect(sent[0]!.body).toContain(sent[0]!.code!);
      expect(JSON.stringify(res)).not.toContain(sent[0]!.code!);
      const user = await adminGet('sam');
      expect(user.UserStatus).toBe('UNCONFIRMED');
      expect(attr(user.UserAttributes, 'sub')).toBe(res.UserSub);
      expect(attr(user.UserAttributes, 'email_verified')).not.toBe('true');
    });

    it('keeps the code out of the raw wire response too', async () => {
      clock.advance(1000);
      const res = await rawCall(
        s.url,
        'AWSCognitoIdentityProviderService.SignUp',
        JSON.stringify({ ClientId: clientId, Username: 'raw', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'raw@example.com' }] }),
      );
      expect(res.status).toBe(200);
      const code = await latestCode('raw@example.com', 'signup');
      expect(JSON.stringify(res.body)).not.toContain(code);
      expect(res.body).toMatchObject({ UserConfirmed: false, CodeDeliveryDetails: { DeliveryMedium: 'EMAIL' } });
    });

    it('refuses a username that is taken, in any case', async () => {
      await expectError(signUp('sam', 'other@example.com'), 'UsernameExistsException', 'User already exists');
      await expectError(signUp('SAM', 'other@example.com'), 'UsernameExistsException', 'User already exists');
    });

    it('refuses a password that breaks the policy and creates nobody', async () => {
      await expectError(
        s.anonymous.send(new SignUpCommand({ ClientId: clientId, Username: 'weakling', Password: 'short', UserAttributes: [{ Name: 'email', Value: 'weak@example.com' }] })),
        'InvalidPasswordException',
        'Password did not conform with policy: Password not long enough',
      );
      await expectError(adminGet('weakling'), 'UserNotFoundException');
      expect(await messages('weak@example.com')).toEqual([]);
    });

    it('refuses a sign-up that lacks a required attribute', async () => {
      const pool = await createPool({ PoolName: 'needs-name', Schema: [{ Name: 'name', AttributeDataType: 'String', Required: true, Mutable: true }] });
      await expectError(signUp('nameless', 'nameless@example.com', pool.clientId), 'InvalidParameterException', /did not conform to the schema/);
      const ok = await s.anonymous.send(
        new SignUpCommand({ ClientId: pool.clientId, Username: 'named', Password: PASSWORD, UserAttributes: [{ Name: 'name', Value: 'Named One' }, { Name: 'email', Value: 'named@example.com' }] }),
      );
      expect(ok.UserSub).toBeTruthy();
    });

    it('refuses sign-up where only administrators may create users', async () => {
      const pool = await createPool({ PoolName: 'admins-only', AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
      await expectError(signUp('outsider', 'outsider@example.com', pool.clientId), 'NotAuthorizedException', 'SignUp is not permitted for this user pool');
    });

    it('refuses sign-up through a client that does not exist', async () => {
      await expectError(signUp('lost', 'lost@example.com', 'nosuchclient000'), 'ResourceNotFoundException', 'User pool client nosuchclient000 does not exist.');
    });

    it('requires a SecretHash for a client with a secret', async () => {
      const confidential = await createClient(poolId, { GenerateSecret: true });
      const send = (SecretHash?: string) =>
        s.anonymous.send(new SignUpCommand({ ClientId: confidential.ClientId, Username: 'secretive', Password: PASSWORD, SecretHash, UserAttributes: [{ Name: 'email', Value: 'secretive@example.com' }] }));
      await expectError(send(), 'NotAuthorizedException', new RegExp(confidential.ClientId!));
      await expectError(send(createHmac('sha256', 'wrong').update(`secretive${confidential.ClientId}`).digest('base64')), 'NotAuthorizedException');
      const ok = await send(createHmac('sha256', confidential.ClientSecret!).update(`secretive${confidential.ClientId}`).digest('base64'));
      expect(ok.UserConfirmed).toBe(false);
    });
  });

  describe('ConfirmSignUp and ResendConfirmationCode', () => {
    it('refuses a wrong code, accepts the right one and verifies the email', async () => {
      clock.advance(1000);
      await signUp('tina', 'tina@example.com');
      const code = await latestCode('tina@example.com', 'signup');
      await expectError(confirm('tina', otherThan(code)), 'CodeMismatchException', MISMATCH);
      await expectError(signIn('tina'), 'UserNotConfirmedException', 'User is not confirmed.');
      await confirm('tina', code);
      const user = await adminGet('tina');
      expect(user.UserStatus).toBe('CONFIRMED');
      expect(attr(user.UserAttributes, 'email_verified')).toBe('true');
      expect((await signIn('tina')).AuthenticationResult?.AccessToken).toBeTruthy();
      await expectError(confirm('tina', code), 'NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED');
    });

    it('refuses a code older than a day with ExpiredCodeException, and a resent code works', async () => {
      clock.advance(1000);
      await signUp('ugo', 'ugo@example.com');
      const stale = await latestCode('ugo@example.com', 'signup');
      clock.advance(24 * 3600_000 + 60_000);
      await expectError(confirm('ugo', stale), 'ExpiredCodeException', 'Invalid code provided, please request a code again.');
      const resent = await s.anonymous.send(new ResendConfirmationCodeCommand({ ClientId: clientId, Username: 'ugo' }));
      expect(resent.CodeDeliveryDetails).toEqual({ Destination: 'u***@example.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
      const fresh = await latestCode('ugo@example.com', 'signup');
      await confirm('ugo', fresh);
      expect((await adminGet('ugo')).UserStatus).toBe('CONFIRMED');
    });

    it('voids the previous code when a new one is sent', async () => {
      clock.advance(1000);
      await signUp('vic', 'vic@example.com');
      const first = await latestCode('vic@example.com', 'signup');
      clock.advance(1000);
      await s.anonymous.send(new ResendConfirmationCodeCommand({ ClientId: clientId, Username: 'vic' }));
      const second = await latestCode('vic@example.com', 'signup');
      expect(await messages('vic@example.com', 'signup')).toHaveLength(2);
      if (first !== second) await expectError(confirm('vic', first), 'CodeMismatchException', MISMATCH);
      await confirm('vic', second);
      expect((await adminGet('vic')).UserStatus).toBe('CONFIRMED');
    });

    it('stops accepting guesses after five wrong codes, until a new code is sent', async () => {
      clock.advance(1000);
      await signUp('wes', 'wes@example.com');
      const code = await latestCode('wes@example.com', 'signup');
      for (let i = 0; i < 5; i++) await expectError(confirm('wes', otherThan(code)), 'CodeMismatchException', MISMATCH);
      await expectError(confirm('wes', code), 'LimitExceededException', 'Attempt limit exceeded, please try after some time.');
      expect((await adminGet('wes')).UserStatus).toBe('UNCONFIRMED');
      clock.advance(1000);
      await s.anonymous.send(new ResendConfirmationCodeCommand({ ClientId: clientId, Username: 'wes' }));
      await confirm('wes', await latestCode('wes@example.com', 'signup'));
      expect((await adminGet('wes')).UserStatus).toBe('CONFIRMED');
    });

    it('answers an unknown user like a wrong code when PreventUserExistenceErrors is ENABLED, and names it when LEGACY', async () => {
      await expectError(confirm('nobody', '123456'), 'CodeMismatchException', MISMATCH);
      await expectError(confirm('nobody', '123456', legacyClientId), 'UserNotFoundException', 'Username/client id combination not found.');
    });

    it('resends nothing to a confirmed user, and reveals unknown users only to LEGACY clients', async () => {
      await expectError(s.anonymous.send(new ResendConfirmationCodeCommand({ ClientId: clientId, Username: 'tina' })), 'InvalidParameterException', 'User is already confirmed.');
      const before = (await s.tessera.outbox.list({ poolId })).length;
      const pretend = await s.anonymous.send(new ResendConfirmationCodeCommand({ ClientId: clientId, Username: 'nobody' }));
      expect(pretend.CodeDeliveryDetails?.DeliveryMedium).toBe('EMAIL');
      expect((await s.tessera.outbox.list({ poolId })).length).toBe(before);
      await expectError(s.anonymous.send(new ResendConfirmationCodeCommand({ ClientId: legacyClientId, Username: 'nobody' })), 'UserNotFoundException', 'Username/client id combination not found.');
    });
  });

  describe('ForgotPassword and ConfirmForgotPassword', () => {
    const NEW = 'Rec0vered!Pass';
    const confirmForgot = (Username: string, ConfirmationCode: string, Password = NEW, client = clientId) =>
      s.anonymous.send(new ConfirmForgotPasswordCommand({ ClientId: client, Username, ConfirmationCode, Password }));

    it('resets a forgotten password with the emailed code, once', async () => {
      await confirmedUser('xavi', 'xavi@example.com');
      clock.advance(1000);
      const res = await s.anonymous.send(new ForgotPasswordCommand({ ClientId: clientId, Username: 'xavi' }));
      expect(res.CodeDeliveryDetails).toEqual({ Destination: 'x***@example.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
      const code = await latestCode('xavi@example.com', 'forgot_password');
      expect(JSON.stringify(res)).not.toContain(code);
      await expectError(confirmForgot('xavi', otherThan(code)), 'CodeMismatchException', MISMATCH);
      await expectError(confirmForgot('xavi', code, 'weak'), 'InvalidPasswordException', /Password not long enough/);
      await confirmForgot('xavi', code);
      await expectError(signIn('xavi'), 'NotAuthorizedException', INCORRECT);
      expect((await signIn('xavi', NEW)).AuthenticationResult?.AccessToken).toBeTruthy();
      await expectError(confirmForgot('xavi', code, 'An0ther!Pass'), 'CodeMismatchException', MISMATCH);
    });

    it('refuses a reset code older than an hour', async () => {
      await confirmedUser('yara', 'yara@example.com');
      clock.advance(1000);
      await s.anonymous.send(new ForgotPasswordCommand({ ClientId: clientId, Username: 'yara' }));
      const code = await latestCode('yara@example.com', 'forgot_password');
      clock.advance(61 * 60_000);
      await expectError(confirmForgot('yara', code), 'ExpiredCodeException', 'Invalid code provided, please request a code again.');
      expect((await signIn('yara')).AuthenticationResult?.AccessToken).toBeTruthy();
    });

    it('refuses to reset the password of a user with no verified email or phone', async () => {
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'zed', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'zed@example.com' }] }));
      await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'zed', Password: PASSWORD, Permanent: true }));
      await expectError(
        s.anonymous.send(new ForgotPasswordCommand({ ClientId: clientId, Username: 'zed' })),
        'InvalidParameterException',
        'Cannot reset password for the user as there is no registered/verified email or phone_number',
      );
      expect(await messages('zed@example.com')).toEqual([]);
    });

    it('reveals unknown users only to LEGACY clients', async () => {
      const before = (await s.tessera.outbox.list({ poolId })).length;
      const pretend = await s.anonymous.send(new ForgotPasswordCommand({ ClientId: clientId, Username: 'nobody' }));
      expect(pretend.CodeDeliveryDetails?.DeliveryMedium).toBe('EMAIL');
      expect((await s.tessera.outbox.list({ poolId })).length).toBe(before);
      await expectError(s.anonymous.send(new ForgotPasswordCommand({ ClientId: legacyClientId, Username: 'nobody' })), 'UserNotFoundException', 'Username/client id combination not found.');
      await expectError(confirmForgot('nobody', '123456'), 'CodeMismatchException', MISMATCH);
      await expectError(confirmForgot('nobody', '123456', NEW, legacyClientId), 'UserNotFoundException', 'Username/client id combination not found.');
    });
  });

  describe('operations with the user access token', () => {
    it('returns the signed-in user and their attributes with GetUser', async () => {
      const tokens = await confirmedUser('abby', 'abby@example.com');
      const me = await s.anonymous.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }));
      expect(me.Username).toBe('abby');
      expect(attr(me.UserAttributes, 'email')).toBe('abby@example.com');
      expect(attr(me.UserAttributes, 'email_verified')).toBe('true');
      expect(attr(me.UserAttributes, 'sub')).toBe(attr((await adminGet('abby')).UserAttributes, 'sub'));
    });

    it('refuses an ID token presented as an access token', async () => {
      const tokens = await confirmedUser('ben', 'ben@example.com');
      await expectError(s.anonymous.send(new GetUserCommand({ AccessToken: tokens.IdToken! })), 'NotAuthorizedException', 'Invalid Access Token');
      await expectError(s.anonymous.send(new UpdateUserAttributesCommand({ AccessToken: tokens.IdToken!, UserAttributes: [{ Name: 'given_name', Value: 'X' }] })), 'NotAuthorizedException', 'Invalid Access Token');
      await expectError(s.anonymous.send(new DeleteUserCommand({ AccessToken: tokens.IdToken! })), 'NotAuthorizedException', 'Invalid Access Token');
      expect((await adminGet('ben')).Username).toBe('ben');
    });

    it('refuses a tampered, a malformed and an expired access token', async () => {
      const tokens = await confirmedUser('cleo', 'cleo@example.com');
      const [header, payload, signature] = tokens.AccessToken!.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      const forged = [header, Buffer.from(JSON.stringify({ ...claims, username: 'someone-else' })).toString('base64url'), signature].join('.');
      await expectError(s.anonymous.send(new GetUserCommand({ AccessToken: forged })), 'NotAuthorizedException', 'Invalid Access Token');
      await expectError(s.anonymous.send(new GetUserCommand({ AccessToken: 'garbage' })), 'NotAuthorizedException', 'Invalid Access Token');
      clock.advance(61 * 60_000);
      await expectError(s.anonymous.send(new GetUserCommand({ AccessToken: tokens.AccessToken! })), 'NotAuthorizedException', 'Access Token has expired');
    });

    it('updates attributes with UpdateUserAttributes', async () => {
      const tokens = await confirmedUser('dina', 'dina@example.com');
      const res = await s.anonymous.send(new UpdateUserAttributesCommand({ AccessToken: tokens.AccessToken!, UserAttributes: [{ Name: 'given_name', Value: 'Dina' }] }));
      expect(res.CodeDeliveryDetailsList ?? []).toEqual([]);
      const me = await s.anonymous.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }));
      expect(attr(me.UserAttributes, 'given_name')).toBe('Dina');
      expect(attr(me.UserAttributes, 'email_verified')).toBe('true');
    });

    it('marks a changed email unverified and sends a code to the new address', async () => {
      const tokens = await confirmedUser('emil', 'emil@example.com');
      clock.advance(1000);
      const res = await s.anonymous.send(new UpdateUserAttributesCommand({ AccessToken: tokens.AccessToken!, UserAttributes: [{ Name: 'email', Value: 'emil.new@example.com' }] }));
      expect(res.CodeDeliveryDetailsList).toEqual([{ Destination: 'e***@example.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' }]);
      const code = await latestCode('emil.new@example.com', 'verify_email');
      expect(JSON.stringify(res)).not.toContain(code);
      const user = await adminGet('emil');
      expect(attr(user.UserAttributes, 'email')).toBe('emil.new@example.com');
      expect(attr(user.UserAttributes, 'email_verified')).toBe('false');
    });

    it('refuses to let a user verify their own email, write unknown attributes or change their sub', async () => {
      const tokens = await confirmedUser('fay', 'fay@example.com');
      const update = (UserAttributes: AttributeType[]) => s.anonymous.send(new UpdateUserAttributesCommand({ AccessToken: tokens.AccessToken!, UserAttributes }));
      await expectError(update([{ Name: 'email', Value: 'fay.two@example.com' }, { Name: 'email_verified', Value: 'true' }]), 'NotAuthorizedException');
      await expectError(update([{ Name: 'custom:nothing', Value: 'x' }]), 'InvalidParameterException');
      await expectError(update([{ Name: 'sub', Value: '00000000-0000-0000-0000-000000000000' }]), 'InvalidParameterException');
      expect(attr((await adminGet('fay')).UserAttributes, 'email')).toBe('fay@example.com');
    });

    it('lets a user write only the attributes their app client lists in WriteAttributes', async () => {
      const restricted = await createClient(poolId, { WriteAttributes: ['given_name', 'email'] });
      await confirmedUser('ivo', 'ivo@example.com');
      const tokens = (await signIn('ivo', PASSWORD, restricted.ClientId)).AuthenticationResult!;
      const update = (UserAttributes: AttributeType[]) => s.anonymous.send(new UpdateUserAttributesCommand({ AccessToken: tokens.AccessToken!, UserAttributes }));
      await expectError(update([{ Name: 'family_name', Value: 'Forbidden' }]), 'NotAuthorizedException', /A client attempted to write unauthorized attribute/);
      await expectError(update([{ Name: 'given_name', Value: 'Ivo' }, { Name: 'family_name', Value: 'Forbidden' }]), 'NotAuthorizedException', /unauthorized attribute/);
      const before = await adminGet('ivo');
      expect(attr(before.UserAttributes, 'family_name')).toBeUndefined();
      expect(attr(before.UserAttributes, 'given_name')).toBeUndefined();
      await update([{ Name: 'given_name', Value: 'Ivo' }]);
      expect(attr((await adminGet('ivo')).UserAttributes, 'given_name')).toBe('Ivo');
    });

    it('changes the password only with the right previous password and a conforming new one', async () => {
      const tokens = await confirmedUser('gus', 'gus@example.com');
      const change = (PreviousPassword: string, ProposedPassword: string) =>
        s.anonymous.send(new ChangePasswordCommand({ AccessToken: tokens.AccessToken!, PreviousPassword, ProposedPassword }));
      await expectError(change('Wr0ng!Previous', 'Ch4nged!Pass'), 'NotAuthorizedException', INCORRECT);
      await expectError(change(PASSWORD, 'weak'), 'InvalidPasswordException', /Password not long enough/);
      await expectError(signIn('gus', 'Ch4nged!Pass'), 'NotAuthorizedException', INCORRECT);
      await change(PASSWORD, 'Ch4nged!Pass');
      await expectError(signIn('gus'), 'NotAuthorizedException', INCORRECT);
      expect((await signIn('gus', 'Ch4nged!Pass')).AuthenticationResult?.AccessToken).toBeTruthy();
    });

    it('deletes the signed-in user with DeleteUser', async () => {
      const tokens = await confirmedUser('hal', 'hal@example.com');
      await s.anonymous.send(new DeleteUserCommand({ AccessToken: tokens.AccessToken! }));
      await expectError(adminGet('hal'), 'UserNotFoundException', 'User does not exist.');
      await expectError(signIn('hal'), 'NotAuthorizedException', INCORRECT);
      const err = await s.anonymous.send(new GetUserCommand({ AccessToken: tokens.AccessToken! })).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(['NotAuthorizedException', 'UserNotFoundException']).toContain(err?.name);
      const again = await s.anonymous.send(new DeleteUserCommand({ AccessToken: tokens.AccessToken! })).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(['NotAuthorizedException', 'UserNotFoundException']).toContain(again?.name);
    });
  });
});
