import {
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  type AdminCreateUserCommandInput,
  AdminDeleteUserAttributesCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminResetUserPasswordCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  type AttributeType,
  ConfirmForgotPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  type CreateUserPoolCommandInput,
  InitiateAuthCommand,
  ListUsersCommand,
  SignUpCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.ts';
import { expectError } from '../support/expect-error.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const attr = (list: AttributeType[] | undefined, name: string) => list?.find((a) => a.Name === name)?.Value;

describe('Cognito administrative user management through the AWS SDK', () => {
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  let poolId: string;
  let clientId: string;
  const PASSWORD = 'Perm4nent!Pass';

  beforeAll(async () => {
    s = await startTestServer({ clock });
    // Admin calls are SigV4-signed; sign them at the server's (manual) time so moving the clock keeps them valid.
    Object.defineProperty(s.admin.config, 'systemClockOffset', { get: () => clock.now() - Date.now(), set: () => {}, configurable: true });
    const pool = await createPool({ PoolName: 'admin-users', UsernameConfiguration: { CaseSensitive: false }, Schema: [{ Name: 'tier', AttributeDataType: 'String', Mutable: true }] });
    poolId = pool.poolId;
    clientId = pool.clientId;
  });
  afterAll(async () => s?.close());

  async function createPool(input: CreateUserPoolCommandInput): Promise<{ poolId: string; clientId: string }> {
    const pool = (await s.admin.send(new CreateUserPoolCommand(input))).UserPool!;
    const client = await s.admin.send(
      new CreateUserPoolClientCommand({ UserPoolId: pool.Id, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
    );
    return { poolId: pool.Id!, clientId: client.UserPoolClient!.ClientId! };
  }

  const createUser = (input: Partial<AdminCreateUserCommandInput> & { Username: string }, pool = poolId) =>
    s.admin.send(new AdminCreateUserCommand({ UserPoolId: pool, MessageAction: 'SUPPRESS', ...input }));
  const getUser = (username: string, pool = poolId) => s.admin.send(new AdminGetUserCommand({ UserPoolId: pool, Username: username }));
  const setPassword = (username: string, password = PASSWORD, pool = poolId) =>
    s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: pool, Username: username, Password: password, Permanent: true }));
  const signIn = (username: string, password: string, client = clientId) =>
    s.anonymous.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));
  /** Messages sent to an address for a purpose, newest first. The clock ticks before each send, so order is exact. */
  const messages = async (destination: string, purpose?: string) =>
    (await s.tessera.outbox.list({ destination })).filter((m) => purpose === undefined || m.purpose === purpose);

  describe('AdminCreateUser', () => {
    it('creates a user in FORCE_CHANGE_PASSWORD with the attributes given and a generated sub', async () => {
      const { User: user } = await createUser({
        Username: 'newbie',
        UserAttributes: [
          { Name: 'email', Value: 'newbie@example.com' },
          { Name: 'given_name', Value: 'New' },
          { Name: 'custom:tier', Value: 'gold' },
        ],
      });
      expect(user!.Username).toBe('newbie');
      expect(user!.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
      expect(user!.Enabled).toBe(true);
      expect(user!.UserCreateDate).toBeInstanceOf(Date);
      expect(user!.UserCreateDate!.getTime()).toBe(clock.now());
      expect(attr(user!.Attributes, 'sub')).toMatch(/^[0-9a-f-]{36}$/);
      expect(attr(user!.Attributes, 'email')).toBe('newbie@example.com');
      expect(attr(user!.Attributes, 'custom:tier')).toBe('gold');
    });

    it('refuses a second user with the same username, whatever its case, in a case-insensitive pool', async () => {
      await createUser({ Username: 'Duplicate' });
      await expectError(createUser({ Username: 'Duplicate' }), 'UsernameExistsException', 'User account already exists');
      await expectError(createUser({ Username: 'dUPLICATE' }), 'UsernameExistsException', 'User account already exists');
    });

    it('emails an invitation whose temporary password satisfies the policy and leads to NEW_PASSWORD_REQUIRED', async () => {
      clock.advance(1000);
      await s.admin.send(
        new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'invited', UserAttributes: [{ Name: 'email', Value: 'invited@example.com' }], DesiredDeliveryMediums: ['EMAIL'] }),
      );
      const [invitation, ...rest] = await messages('invited@example.com');
      expect(rest).toHaveLength(0);
      expect(invitation!.purpose).toBe('invitation');
      expect(invitation!.channel).toBe('EMAIL');
      expect(invitation!.body).toContain('invited');
      const temporary = /temporary password is (.+)\. ?$/.exec(invitation!.body)?.[1];
      expect(temporary).toBeDefined();
      expect(temporary!.length).toBeGreaterThanOrEqual(8);
      expect(temporary).toMatch(/[a-z]/);
      expect(temporary).toMatch(/[A-Z]/);
      expect(temporary).toMatch(/[0-9]/);
      expect(temporary).toMatch(/[^A-Za-z0-9]/);
      const step = await signIn('invited', temporary!);
      expect(step.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
      expect(step.Session).toBeTruthy();
      expect(step.AuthenticationResult).toBeUndefined();
    });

    it('sends nothing when MessageAction is SUPPRESS', async () => {
      await s.admin.send(
        new AdminCreateUserCommand({
          UserPoolId: poolId,
          Username: 'quiet',
          UserAttributes: [{ Name: 'email', Value: 'quiet@example.com' }],
          DesiredDeliveryMediums: ['EMAIL'],
          MessageAction: 'SUPPRESS',
        }),
      );
      expect(await messages('quiet@example.com')).toEqual([]);
      expect((await getUser('quiet')).UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    });

    it('signs in with the TemporaryPassword given', async () => {
      await createUser({ Username: 'chosen-temp', TemporaryPassword: 'Temp0rary!Pw' });
      await expectError(signIn('chosen-temp', 'Wrong0ne!Pw'), 'NotAuthorizedException', 'Incorrect username or password.');
      expect((await signIn('chosen-temp', 'Temp0rary!Pw')).ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    });

    it.each([
      ['too short', 'Sh0rt!', /Password not long enough/],
      ['without a number', 'NoNumbers!Here', /numeric/],
      ['without a symbol', 'NoSymbols1Here', /symbol/],
      ['without an uppercase letter', 'nouppercase1!', /uppercase/],
    ])('refuses a TemporaryPassword that is %s with InvalidPasswordException', async (_label, password, why) => {
      const err = await expectError(createUser({ Username: `weak-${password.length}-${password.charCodeAt(2)}`, TemporaryPassword: password }), 'InvalidPasswordException', why);
      expect(err.message).toMatch(/^Password did not conform with policy/);
    });

    it('refuses attributes that are not in the schema, and a malformed email', async () => {
      await expectError(createUser({ Username: 'bad-attr', UserAttributes: [{ Name: 'custom:nope', Value: 'x' }] }), 'InvalidParameterException', /custom:nope/);
      await expectError(createUser({ Username: 'bad-email', UserAttributes: [{ Name: 'email', Value: 'not-an-email' }] }), 'InvalidParameterException');
      await expectError(getUser('bad-attr'), 'UserNotFoundException');
    });

    it('refuses to create a user in a pool that does not exist', async () => {
      await expectError(createUser({ Username: 'ghost' }, 'us-east-1_Nope0000'), 'ResourceNotFoundException', 'User pool us-east-1_Nope0000 does not exist.');
    });

    it('expires a temporary password after TemporaryPasswordValidityDays, and RESEND gives a fresh one', async () => {
      await createUser({ Username: 'late', TemporaryPassword: 'Temp0rary!Pw' });
      clock.advance(8 * 86_400_000);
      await expectError(signIn('late', 'Temp0rary!Pw'), 'NotAuthorizedException', 'Temporary password has expired and must be reset by an administrator.');
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'late', MessageAction: 'RESEND', TemporaryPassword: 'Fresh0ne!Pw' }));
      expect((await signIn('late', 'Fresh0ne!Pw')).ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    });

    it('refuses RESEND for a user who does not exist or is no longer waiting for a first sign-in', async () => {
      await expectError(s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'nobody-here', MessageAction: 'RESEND' })), 'UserNotFoundException', 'User does not exist.');
      await createUser({ Username: 'settled' });
      await setPassword('settled');
      await expectError(s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'settled', MessageAction: 'RESEND' })), 'UnsupportedUserStateException');
    });
  });

  describe('reading, deleting, disabling and enabling users', () => {
    it('returns a user with AdminGetUser by username or by sub', async () => {
      const { User: created } = await createUser({ Username: 'reader', UserAttributes: [{ Name: 'email', Value: 'reader@example.com' }, { Name: 'email_verified', Value: 'true' }] });
      const got = await getUser('reader');
      expect(got.Username).toBe('reader');
      expect(got.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
      expect(got.Enabled).toBe(true);
      expect(got.UserCreateDate).toBeInstanceOf(Date);
      expect(attr(got.UserAttributes, 'email')).toBe('reader@example.com');
      expect(attr(got.UserAttributes, 'email_verified')).toBe('true');
      const sub = attr(got.UserAttributes, 'sub');
      expect(sub).toBe(attr(created!.Attributes, 'sub'));
      expect((await getUser(sub!)).Username).toBe('reader');
      expect((await getUser('READER')).Username).toBe('reader');
    });

    it('answers UserNotFoundException for a user who does not exist', async () => {
      await expectError(getUser('no-such-user'), 'UserNotFoundException', 'User does not exist.');
      await expectError(s.admin.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: 'no-such-user' })), 'UserNotFoundException', 'User does not exist.');
      await expectError(s.admin.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'no-such-user' })), 'UserNotFoundException');
      await expectError(s.admin.send(new AdminEnableUserCommand({ UserPoolId: poolId, Username: 'no-such-user' })), 'UserNotFoundException');
      await expectError(getUser('no-such-user', 'us-east-1_Nope0000'), 'ResourceNotFoundException');
    });

    it('deletes a user, who can then neither be found nor sign in, and whose name is free again', async () => {
      await createUser({ Username: 'doomed' });
      await setPassword('doomed');
      expect((await signIn('doomed', PASSWORD)).AuthenticationResult?.AccessToken).toBeTruthy();
      await s.admin.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: 'doomed' }));
      await expectError(getUser('doomed'), 'UserNotFoundException', 'User does not exist.');
      await expectError(signIn('doomed', PASSWORD), 'NotAuthorizedException', 'Incorrect username or password.');
      await expectError(s.admin.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: 'doomed' })), 'UserNotFoundException');
      expect((await createUser({ Username: 'doomed' })).User!.UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    });

    it('disables a user, who cannot sign in until enabled again', async () => {
      await createUser({ Username: 'switch' });
      await setPassword('switch');
      await s.admin.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: 'switch' }));
      expect((await getUser('switch')).Enabled).toBe(false);
      await expectError(signIn('switch', PASSWORD), 'NotAuthorizedException', 'User is disabled.');
      await s.admin.send(new AdminEnableUserCommand({ UserPoolId: poolId, Username: 'switch' }));
      expect((await getUser('switch')).Enabled).toBe(true);
      expect((await signIn('switch', PASSWORD)).AuthenticationResult?.AccessToken).toBeTruthy();
    });
  });

  describe('passwords set and reset by the administrator', () => {
    it('confirms a user with a permanent password, who then signs in straight to tokens', async () => {
      await createUser({ Username: 'permanent' });
      await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'permanent', Password: PASSWORD, Permanent: true }));
      expect((await getUser('permanent')).UserStatus).toBe('CONFIRMED');
      const auth = await signIn('permanent', PASSWORD);
      expect(auth.ChallengeName).toBeUndefined();
      expect(decodeJwt(auth.AuthenticationResult!.AccessToken!).username).toBe('permanent');
    });

    it('puts a user back to FORCE_CHANGE_PASSWORD with a non-permanent password, the default', async () => {
      await createUser({ Username: 'temporary' });
      await setPassword('temporary');
      await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'temporary', Password: 'Anoth3r!Temp', Permanent: false }));
      expect((await getUser('temporary')).UserStatus).toBe('FORCE_CHANGE_PASSWORD');
      expect((await signIn('temporary', 'Anoth3r!Temp')).ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
      await expectError(signIn('temporary', PASSWORD), 'NotAuthorizedException', 'Incorrect username or password.');
      await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'temporary', Password: 'Yet4nother!Temp' }));
      expect((await getUser('temporary')).UserStatus).toBe('FORCE_CHANGE_PASSWORD');
    });

    it('refuses a password that breaks the policy, and an unknown user', async () => {
      await createUser({ Username: 'policy' });
      await expectError(
        s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'policy', Password: 'short', Permanent: true })),
        'InvalidPasswordException',
        /Password not long enough/,
      );
      expect((await getUser('policy')).UserStatus).toBe('FORCE_CHANGE_PASSWORD');
      await expectError(s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'nobody', Password: PASSWORD, Permanent: true })), 'UserNotFoundException', 'User does not exist.');
    });

    it('resets a password: sign-in then requires a reset, and the emailed code with ConfirmForgotPassword fixes it', async () => {
      await createUser({ Username: 'forgetful', UserAttributes: [{ Name: 'email', Value: 'forgetful@example.com' }, { Name: 'email_verified', Value: 'true' }] });
      await setPassword('forgetful');
      clock.advance(1000);
      await s.admin.send(new AdminResetUserPasswordCommand({ UserPoolId: poolId, Username: 'forgetful' }));
      expect((await getUser('forgetful')).UserStatus).toBe('RESET_REQUIRED');
      await expectError(signIn('forgetful', PASSWORD), 'PasswordResetRequiredException', 'Password reset required for the user');
      const [message] = await messages('forgetful@example.com', 'forgot_password');
      expect(message?.code).toMatch(/^\d{6}$/);
      await expectError(
        s.anonymous.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: 'forgetful', ConfirmationCode: message!.code === '000000' ? '111111' : '000000', Password: 'N3w!Password' })),
        'CodeMismatchException',
        'Invalid verification code provided, please try again.',
      );
      await s.anonymous.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: 'forgetful', ConfirmationCode: message!.code!, Password: 'N3w!Password' }));
      expect((await getUser('forgetful')).UserStatus).toBe('CONFIRMED');
      expect((await signIn('forgetful', 'N3w!Password')).AuthenticationResult?.AccessToken).toBeTruthy();
      await expectError(signIn('forgetful', PASSWORD), 'NotAuthorizedException', 'Incorrect username or password.');
    });

    it('refuses to reset the password of a user who does not exist', async () => {
      await expectError(s.admin.send(new AdminResetUserPasswordCommand({ UserPoolId: poolId, Username: 'nobody' })), 'UserNotFoundException', 'User does not exist.');
    });
  });

  describe('attributes', () => {
    it('updates attributes, and marks a changed email unverified unless told otherwise', async () => {
      await createUser({ Username: 'attrs', UserAttributes: [{ Name: 'email', Value: 'old@example.com' }, { Name: 'email_verified', Value: 'true' }] });
      await s.admin.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: poolId,
          Username: 'attrs',
          UserAttributes: [
            { Name: 'given_name', Value: 'Ada' },
            { Name: 'custom:tier', Value: 'silver' },
            { Name: 'email', Value: 'new@example.com' },
          ],
        }),
      );
      let got = await getUser('attrs');
      expect(attr(got.UserAttributes, 'given_name')).toBe('Ada');
      expect(attr(got.UserAttributes, 'custom:tier')).toBe('silver');
      expect(attr(got.UserAttributes, 'email')).toBe('new@example.com');
      expect(attr(got.UserAttributes, 'email_verified')).toBe('false');
      await s.admin.send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: poolId,
          Username: 'attrs',
          UserAttributes: [
            { Name: 'email', Value: 'newer@example.com' },
            { Name: 'email_verified', Value: 'true' },
          ],
        }),
      );
      got = await getUser('attrs');
      expect(attr(got.UserAttributes, 'email')).toBe('newer@example.com');
      expect(attr(got.UserAttributes, 'email_verified')).toBe('true');
    });

    it('refuses unknown, immutable and malformed attributes, and unknown users', async () => {
      await createUser({ Username: 'strict' });
      const update = (UserAttributes: AttributeType[], Username = 'strict') => s.admin.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username, UserAttributes }));
      await expectError(update([{ Name: 'custom:unknown', Value: 'x' }]), 'InvalidParameterException', /custom:unknown/);
      await expectError(update([{ Name: 'sub', Value: '00000000-0000-0000-0000-000000000000' }]), 'InvalidParameterException', /sub/);
      await expectError(update([{ Name: 'email_verified', Value: 'maybe' }]), 'InvalidParameterException');
      await expectError(update([{ Name: 'phone_number', Value: '555-1234' }]), 'InvalidParameterException');
      await expectError(update([{ Name: 'given_name', Value: 'x' }], 'nobody'), 'UserNotFoundException', 'User does not exist.');
    });

    it('deletes attributes', async () => {
      await createUser({ Username: 'trim', UserAttributes: [{ Name: 'given_name', Value: 'Tim' }, { Name: 'family_name', Value: 'Rim' }] });
      await s.admin.send(new AdminDeleteUserAttributesCommand({ UserPoolId: poolId, Username: 'trim', UserAttributeNames: ['given_name'] }));
      const got = await getUser('trim');
      expect(attr(got.UserAttributes, 'given_name')).toBeUndefined();
      expect(attr(got.UserAttributes, 'family_name')).toBe('Rim');
    });

    it('refuses to delete an attribute that is not in the schema, the sub, or for an unknown user', async () => {
      await createUser({ Username: 'keep' });
      await expectError(s.admin.send(new AdminDeleteUserAttributesCommand({ UserPoolId: poolId, Username: 'keep', UserAttributeNames: ['custom:nothing'] })), 'InvalidParameterException');
      await expectError(s.admin.send(new AdminDeleteUserAttributesCommand({ UserPoolId: poolId, Username: 'keep', UserAttributeNames: ['sub'] })), 'InvalidParameterException');
      expect(attr((await getUser('keep')).UserAttributes, 'sub')).toBeTruthy();
      await expectError(s.admin.send(new AdminDeleteUserAttributesCommand({ UserPoolId: poolId, Username: 'nobody', UserAttributeNames: ['given_name'] })), 'UserNotFoundException');
    });
  });

  describe('AdminConfirmSignUp', () => {
    it('confirms a user who signed up, and refuses to confirm them twice', async () => {
      const signUp = await s.anonymous.send(new SignUpCommand({ ClientId: clientId, Username: 'joiner', Password: PASSWORD }));
      expect(signUp.UserConfirmed).toBe(false);
      expect((await getUser('joiner')).UserStatus).toBe('UNCONFIRMED');
      await expectError(signIn('joiner', PASSWORD), 'UserNotConfirmedException', 'User is not confirmed.');
      await s.admin.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: 'joiner' }));
      expect((await getUser('joiner')).UserStatus).toBe('CONFIRMED');
      expect((await signIn('joiner', PASSWORD)).AuthenticationResult?.AccessToken).toBeTruthy();
      await expectError(s.admin.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: 'joiner' })), 'NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED');
    });

    it('refuses to confirm a user who does not exist', async () => {
      await expectError(s.admin.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: 'nobody' })), 'UserNotFoundException', 'User does not exist.');
    });
  });

  describe('ListUsers', () => {
    let dir: { poolId: string; clientId: string };
    const subs: Record<string, string> = {};
    const list = (Filter?: string, extra: { Limit?: number; PaginationToken?: string; AttributesToGet?: string[] } = {}) =>
      s.admin.send(new ListUsersCommand({ UserPoolId: dir.poolId, Filter, ...extra }));
    const names = (users: UserType[] | undefined) => (users ?? []).map((u) => u.Username);

    beforeAll(async () => {
      dir = await createPool({ PoolName: 'directory', UsernameConfiguration: { CaseSensitive: false } });
      const people: Array<[string, Record<string, string>]> = [
        ['alice', { email: 'alice@example.com', phone_number: '+15550000001', name: 'Alice Liddell', given_name: 'Alice', family_name: 'Liddell', preferred_username: 'ally' }],
        ['albert', { email: 'albert@example.org', phone_number: '+15550000002', name: 'Albert Hall', given_name: 'Albert', family_name: 'Hall', preferred_username: 'bert' }],
        ['bob', { email: 'bob@example.com', phone_number: '+15550000003', name: 'Bob Builder', given_name: 'Bob', family_name: 'Liddell', preferred_username: 'bobby' }],
        ['dave', { family_name: 'O"Neil' }],
      ];
      for (const [username, attributes] of people) {
        const { User } = await createUser({ Username: username, UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })) }, dir.poolId);
        subs[username] = attr(User!.Attributes, 'sub')!;
      }
      await setPassword('alice', PASSWORD, dir.poolId);
      await setPassword('bob', PASSWORD, dir.poolId);
      await s.admin.send(new AdminDisableUserCommand({ UserPoolId: dir.poolId, Username: 'albert' }));
      const carol = await s.anonymous.send(new SignUpCommand({ ClientId: dir.clientId, Username: 'carol', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'carol@example.net' }] }));
      subs.carol = carol.UserSub!;
    });

    it('lists every user, ordered by username, when there is no filter', async () => {
      const all = await list();
      expect(names(all.Users)).toEqual(['albert', 'alice', 'bob', 'carol', 'dave']);
      expect(all.PaginationToken).toBeUndefined();
      const alice = all.Users!.find((u) => u.Username === 'alice')!;
      expect(alice.UserStatus).toBe('CONFIRMED');
      expect(alice.Enabled).toBe(true);
      expect(alice.UserCreateDate).toBeInstanceOf(Date);
      expect(attr(alice.Attributes, 'email')).toBe('alice@example.com');
      expect(names((await list('')).Users)).toEqual(['albert', 'alice', 'bob', 'carol', 'dave']);
    });

    it.each([
      ['username = "alice"', ['alice']],
      ['username ^= "al"', ['albert', 'alice']],
      ['email = "bob@example.com"', ['bob']],
      ['email ^= "al"', ['albert', 'alice']],
      ['phone_number = "+15550000002"', ['albert']],
      ['phone_number ^= "+1555000000"', ['albert', 'alice', 'bob']],
      ['name = "Bob Builder"', ['bob']],
      ['name ^= "Al"', ['albert', 'alice']],
      ['given_name = "Alice"', ['alice']],
      ['given_name ^= "B"', ['bob']],
      ['family_name = "Liddell"', ['alice', 'bob']],
      ['family_name ^= "Ha"', ['albert']],
      ['family_name = "O\\"Neil"', ['dave']],
      ['preferred_username = "bobby"', ['bob']],
      ['preferred_username ^= "b"', ['albert', 'bob']],
      ['cognito:user_status = "CONFIRMED"', ['alice', 'bob']],
      ['cognito:user_status = "UNCONFIRMED"', ['carol']],
      ['cognito:user_status = "FORCE_CHANGE_PASSWORD"', ['albert', 'dave']],
      ['cognito:user_status ^= "FORCE"', ['albert', 'dave']],
      ['cognito:user_status = "confirmed"', ['alice', 'bob']],
      ['status = "Enabled"', ['alice', 'bob', 'carol', 'dave']],
      ['status = "Disabled"', ['albert']],
      ['email = "nobody@example.com"', []],
    ])('filters with %s', async (filter, expected) => {
      expect(names((await list(filter)).Users)).toEqual(expected);
    });

    it('filters on sub', async () => {
      expect(names((await list(`sub = "${subs.carol}"`)).Users)).toEqual(['carol']);
      expect(names((await list(`sub = "${subs.dave}"`)).Users)).toEqual(['dave']);
    });

    it.each([
      ['an attribute that cannot be searched', 'nickname = "x"'],
      ['a custom attribute', 'custom:tier = "gold"'],
      ['an unquoted value', 'email = alice@example.com'],
      ['an unknown operator', 'email != "alice@example.com"'],
    ])('refuses a filter on %s with InvalidParameterException', async (_label, filter) => {
      await expectError(list(filter), 'InvalidParameterException');
    });

    it('returns only the attributes named in AttributesToGet', async () => {
      const users = (await list(undefined, { AttributesToGet: ['email'] })).Users!;
      const alice = users.find((u) => u.Username === 'alice')!;
      expect(alice.Attributes).toEqual([{ Name: 'email', Value: 'alice@example.com' }]);
      expect(alice.UserStatus).toBe('CONFIRMED');
      const dave = users.find((u) => u.Username === 'dave')!;
      expect(dave.Attributes ?? []).toEqual([]);
    });

    it('pages with Limit and PaginationToken, every user once', async () => {
      const pages: string[][] = [];
      let token: string | undefined;
      do {
        const page = await list(undefined, { Limit: 2, PaginationToken: token });
        pages.push(names(page.Users) as string[]);
        token = page.PaginationToken;
      } while (token && pages.length < 10);
      expect(pages).toEqual([['albert', 'alice'], ['bob', 'carol'], ['dave']]);
    });

    it('pages through a filtered list', async () => {
      const first = await list('cognito:user_status = "CONFIRMED"', { Limit: 1 });
      expect(names(first.Users)).toEqual(['alice']);
      expect(first.PaginationToken).toBeTruthy();
      const second = await list('cognito:user_status = "CONFIRMED"', { Limit: 1, PaginationToken: first.PaginationToken });
      expect(names(second.Users)).toEqual(['bob']);
      expect(second.PaginationToken).toBeUndefined();
    });

    it('refuses a Limit above 60, a forged pagination token and an unknown pool', async () => {
      await expectError(list(undefined, { Limit: 61 }), 'InvalidParameterException', /limit/);
      await expectError(list(undefined, { PaginationToken: 'garbage!' }), 'InvalidParameterException');
      await expectError(s.admin.send(new ListUsersCommand({ UserPoolId: 'us-east-1_Nope0000' })), 'ResourceNotFoundException');
    });
  });

  describe('a pool with an email alias', () => {
    let alias: { poolId: string; clientId: string };
    beforeAll(async () => {
      alias = await createPool({ PoolName: 'alias-pool', AliasAttributes: ['email'], UsernameConfiguration: { CaseSensitive: false } });
    });

    it('signs a user in by verified email as well as by username, and finds them by email', async () => {
      await createUser({ Username: 'erin', UserAttributes: [{ Name: 'email', Value: 'erin@example.com' }, { Name: 'email_verified', Value: 'true' }] }, alias.poolId);
      await setPassword('erin', PASSWORD, alias.poolId);
      const byEmail = await signIn('Erin@Example.com', PASSWORD, alias.clientId);
      expect(decodeJwt(byEmail.AuthenticationResult!.AccessToken!).username).toBe('erin');
      expect(decodeJwt(byEmail.AuthenticationResult!.IdToken!)['cognito:username']).toBe('erin');
      expect((await signIn('erin', PASSWORD, alias.clientId)).AuthenticationResult?.AccessToken).toBeTruthy();
      expect((await getUser('erin@example.com', alias.poolId)).Username).toBe('erin');
    });

    it('does not sign in by an email that is not verified', async () => {
      await createUser({ Username: 'frank', UserAttributes: [{ Name: 'email', Value: 'frank@example.com' }] }, alias.poolId);
      await setPassword('frank', PASSWORD, alias.poolId);
      await expectError(signIn('frank@example.com', PASSWORD, alias.clientId), 'NotAuthorizedException', 'Incorrect username or password.');
      expect((await signIn('frank', PASSWORD, alias.clientId)).AuthenticationResult?.AccessToken).toBeTruthy();
    });

    it('refuses a username in email format', async () => {
      await expectError(createUser({ Username: 'gina@example.com' }, alias.poolId), 'InvalidParameterException', /Username cannot be of email/);
    });

    it('refuses a second user with the same verified email, unless ForceAliasCreation moves it', async () => {
      await createUser({ Username: 'hank', UserAttributes: [{ Name: 'email', Value: 'shared@example.com' }, { Name: 'email_verified', Value: 'true' }] }, alias.poolId);
      await expectError(
        createUser({ Username: 'ivy', UserAttributes: [{ Name: 'email', Value: 'shared@example.com' }, { Name: 'email_verified', Value: 'true' }] }, alias.poolId),
        'AliasExistsException',
        'An account with the given email already exists.',
      );
      await createUser({ Username: 'ivy', ForceAliasCreation: true, UserAttributes: [{ Name: 'email', Value: 'shared@example.com' }, { Name: 'email_verified', Value: 'true' }] }, alias.poolId);
      expect(attr((await getUser('hank', alias.poolId)).UserAttributes, 'email_verified')).toBe('false');
      expect((await getUser('shared@example.com', alias.poolId)).Username).toBe('ivy');
    });
  });

  describe('a pool whose usernames are email addresses', () => {
    let byEmail: { poolId: string; clientId: string };
    beforeAll(async () => {
      byEmail = await createPool({ PoolName: 'email-pool', UsernameAttributes: ['email'], UsernameConfiguration: { CaseSensitive: false } });
    });

    it('stores the email as an attribute, makes the sub the username, and signs in by email', async () => {
      const { User } = await createUser({ Username: 'jo@example.com' }, byEmail.poolId);
      const sub = attr(User!.Attributes, 'sub');
      expect(User!.Username).toBe(sub);
      expect(attr(User!.Attributes, 'email')).toBe('jo@example.com');
      await setPassword('jo@example.com', PASSWORD, byEmail.poolId);
      const auth = await signIn('jo@example.com', PASSWORD, byEmail.clientId);
      const id = decodeJwt(auth.AuthenticationResult!.IdToken!);
      expect(id['cognito:username']).toBe(sub);
      expect(id.email).toBe('jo@example.com');
      expect((await getUser('jo@example.com', byEmail.poolId)).Username).toBe(sub);
      expect(names((await s.admin.send(new ListUsersCommand({ UserPoolId: byEmail.poolId, Filter: 'email = "jo@example.com"' }))).Users)).toEqual([sub]);
    });

    it('refuses a username that is not an email, and a second account with the same email', async () => {
      await expectError(createUser({ Username: 'plainname' }, byEmail.poolId), 'InvalidParameterException', /Username should be/);
      await createUser({ Username: 'kim@example.com' }, byEmail.poolId);
      await expectError(createUser({ Username: 'kim@example.com' }, byEmail.poolId), 'UsernameExistsException', 'An account with the given email already exists.');
    });

    function names(users: UserType[] | undefined) {
      return (users ?? []).map((u) => u.Username);
    }
  });
});
