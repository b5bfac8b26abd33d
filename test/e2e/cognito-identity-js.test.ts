import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  type AttributeType,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  GetUserCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
  type CognitoUserSession,
  type ICognitoStorage,
  type ISignUpResult,
} from 'amazon-cognito-identity-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/expect-error.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Tessera driven by the real `amazon-cognito-identity-js` (the library behind Amplify v5), the way a
 * browser or React Native app would: unsigned AWS JSON calls from the library's own fetch client.
 */

/** What the library hands to callbacks: a plain Error whose `name` and `code` carry the Cognito type. */
type LibraryError = Error & { code?: string };

/**
 * Browser-localStorage-like storage, one per simulated app install. Absent keys read as null, as in
 * browsers, so refreshSession sends `DEVICE_KEY: null` in AuthParameters just as a real app does.
 */
class MapStorage implements ICognitoStorage {
  readonly items = new Map<string, string>();
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  clear(): void {
    this.items.clear();
  }
}

/** Adapts a Node-style `(err, result)` callback API to a promise. */
const nodeCall = <T>(run: (callback: (err?: unknown, result?: T) => void) => void) =>
  new Promise<T>((resolve, reject) => run((err, result) => (err ? reject(err) : resolve(result as T))));

/** Adapts an `{ onSuccess, onFailure }` callback API to a promise. */
const callbacks = <T>(run: (cb: { onSuccess: (result: T) => void; onFailure: (err: unknown) => void }) => void) =>
  new Promise<T>((resolve, reject) => run({ onSuccess: resolve, onFailure: reject }));

type SignInOutcome =
  | { session: CognitoUserSession; newPasswordRequired?: undefined }
  | { session?: undefined; newPasswordRequired: { userAttributes: Record<string, string>; requiredAttributes: string[] } };

/** `authenticateUser`, resolving with the session or with the NEW_PASSWORD_REQUIRED challenge. */
const authenticate = (user: CognitoUser, Password: string) =>
  new Promise<SignInOutcome>((resolve, reject) =>
    user.authenticateUser(new AuthenticationDetails({ Username: user.getUsername(), Password }), {
      onSuccess: (session) => resolve({ session }),
      onFailure: reject,
      newPasswordRequired: (userAttributes, requiredAttributes) => resolve({ newPasswordRequired: { userAttributes, requiredAttributes } }),
    }),
  );

const completeNewPassword = (user: CognitoUser, newPassword: string) =>
  new Promise<CognitoUserSession>((resolve, reject) => user.completeNewPasswordChallenge(newPassword, {}, { onSuccess: resolve, onFailure: reject }));

/** Expects the library to surface Cognito error `code` (as `name` and `code`), optionally with Cognito's message. */
async function expectLibraryError(call: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  const error = (await expectError(call, code, message)) as LibraryError;
  expect(error.code).toBe(code);
}

const attr = (list: AttributeType[] | undefined, name: string) => list?.find((a) => a.Name === name)?.Value;
const libraryAttributes = (list: CognitoUserAttribute[]) => Object.fromEntries(list.map((a) => [a.getName(), a.getValue()]));

const INCORRECT = 'Incorrect username or password.';
const MISMATCH = 'Invalid verification code provided, please try again.';

describe('Tessera through amazon-cognito-identity-js', () => {
  let s: TestServer;
  let poolId: string;
  let clientId: string;
  const PASSWORD = 'Ident1ty-Js!Pw';

  beforeAll(async () => {
    s = await startTestServer();
    poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'identity-js', AutoVerifiedAttributes: ['email'] }))).UserPool!.Id!;
    clientId = (
      await s.admin.send(
        new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'spa', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
      )
    ).UserPoolClient!.ClientId!;
  });
  afterAll(async () => s?.close());

  const storageOf = new WeakMap<CognitoUserPool, ICognitoStorage>();
  /** The library's pool object, as an app would build it, pointed at Tessera, with its own storage. */
  const appPool = (Storage: ICognitoStorage = new MapStorage()) => {
    const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: `${s.url}/`, Storage });
    storageOf.set(pool, Storage);
    return pool;
  };
  /** A CognitoUser does not inherit its pool's storage (it falls back to a process-wide MemoryStorage): pass it along. */
  const appUser = (pool: CognitoUserPool, Username: string) => {
    const user = new CognitoUser({ Username, Pool: pool, Storage: storageOf.get(pool)! });
    user.setAuthenticationFlowType('USER_PASSWORD_AUTH');
    return user;
  };
  const latestCode = async (destination: string, purpose: string) => {
    const [latest] = (await s.tessera.outbox.list({ destination })).filter((m) => m.purpose === purpose);
    expect(latest?.code, `a ${purpose} code sent to ${destination}`).toMatch(/^\d{6}$/);
    return latest!.code!;
  };
  const otherThan = (code: string) => (code === '000000' ? '111111' : '000000');
  const adminGet = (Username: string) => s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username }));

  const signUp = (pool: CognitoUserPool, username: string, email: string, password = PASSWORD) =>
    nodeCall<ISignUpResult>((cb) => pool.signUp(username, password, [new CognitoUserAttribute({ Name: 'email', Value: email })], [], cb));

  /** Signs up and confirms through the library; returns the sub. */
  async function confirmedUser(username: string, email: string) {
    const { user, userSub } = await signUp(appPool(), username, email);
    const code = await latestCode(email, 'signup');
    await nodeCall((cb) => user.confirmRegistration(code, true, cb));
    return userSub;
  }

  /** Signs in through the library with USER_PASSWORD_AUTH and expects tokens straight away. */
  async function signIn(pool: CognitoUserPool, username: string, password = PASSWORD) {
    const user = appUser(pool, username);
    const outcome = await authenticate(user, password);
    expect(outcome.newPasswordRequired).toBeUndefined();
    return { user, session: outcome.session! };
  }

  describe('signUp and confirmRegistration', () => {
    it('signs a user up unconfirmed and confirms them with the emailed code after refusing a wrong one', async () => {
      const pool = appPool();
      const result = await signUp(pool, 'ursula', 'ursula@example.com');
      expect(result.userConfirmed).toBe(false);
      expect(result.userSub).toMatch(/^[0-9a-f-]{36}$/);
      expect(result.codeDeliveryDetails).toEqual({ Destination: 'u***@example.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
      expect(result.user.getUsername()).toBe('ursula');
      expect((await adminGet('ursula')).UserStatus).toBe('UNCONFIRMED');

      const code = await latestCode('ursula@example.com', 'signup');
      await expectLibraryError(
        nodeCall((cb) => result.user.confirmRegistration(otherThan(code), true, cb)),
        'CodeMismatchException',
        MISMATCH,
      );
      expect(await nodeCall((cb) => result.user.confirmRegistration(code, true, cb))).toBe('SUCCESS');
      const user = await adminGet('ursula');
      expect(user.UserStatus).toBe('CONFIRMED');
      expect(attr(user.UserAttributes, 'email_verified')).toBe('true');
      expect(attr(user.UserAttributes, 'sub')).toBe(result.userSub);
    });

    it('surfaces UsernameExistsException for a taken username', async () => {
      await expectLibraryError(signUp(appPool(), 'ursula', 'ursula2@example.com'), 'UsernameExistsException', 'User already exists');
    });
  });

  describe('authenticateUser with USER_PASSWORD_AUTH', () => {
    it('returns a valid CognitoUserSession whose tokens carry the Cognito claims and caches it for the app', async () => {
      const sub = await confirmedUser('alice', 'alice@example.com');
      const storage = new MapStorage();
      const pool = appPool(storage);
      const { user, session } = await signIn(pool, 'alice');
      expect(session.isValid()).toBe(true);
      expect(session.getIdToken().payload).toMatchObject({
        token_use: 'id',
        sub,
        aud: clientId,
        iss: `http://127.0.0.1/${poolId}`,
        'cognito:username': 'alice',
        email: 'alice@example.com',
        email_verified: true,
      });
      expect(session.getAccessToken().payload).toMatchObject({
        token_use: 'access',
        sub,
        client_id: clientId,
        username: 'alice',
        scope: 'aws.cognito.signin.user.admin',
        iss: `http://127.0.0.1/${poolId}`,
      });
      expect(session.getIdToken().getExpiration() - session.getIdToken().getIssuedAt()).toBe(3600);
      expect(session.getRefreshToken().getToken()).toBeTruthy();
      expect(user.getSignInUserSession()).toBe(session);
      // Cached where getCurrentUser/getSession look for it.
      const prefix = `CognitoIdentityServiceProvider.${clientId}`;
      expect(storage.getItem(`${prefix}.LastAuthUser`)).toBe('alice');
      expect(storage.getItem(`${prefix}.alice.accessToken`)).toBe(session.getAccessToken().getJwtToken());
      expect(pool.getCurrentUser()?.getUsername()).toBe('alice');
      // The access token the library holds is one Tessera accepts.
      expect((await s.anonymous.send(new GetUserCommand({ AccessToken: session.getAccessToken().getJwtToken() }))).Username).toBe('alice');
    });

    it('fails a wrong password with NotAuthorizedException and Cognito\'s message', async () => {
      await expectLibraryError(authenticate(appUser(appPool(), 'alice'), 'Not-The-Pw1!'), 'NotAuthorizedException', INCORRECT);
      await expectLibraryError(authenticate(appUser(appPool(), 'nobody-at-all'), PASSWORD), 'NotAuthorizedException', INCORRECT);
    });

    it('fails an unconfirmed user with UserNotConfirmedException', async () => {
      await signUp(appPool(), 'unconfirmed', 'unconfirmed@example.com');
      await expectLibraryError(authenticate(appUser(appPool(), 'unconfirmed'), PASSWORD), 'UserNotConfirmedException', 'User is not confirmed.');
    });

    it('raises newPasswordRequired for an admin-created user and completes it with completeNewPasswordChallenge', async () => {
      const TEMPORARY = 'Temp0rary!Pw';
      const NEW = 'Brand-N3w!Pw';
      await s.admin.send(
        new AdminCreateUserCommand({
          UserPoolId: poolId,
          Username: 'nadia',
          TemporaryPassword: TEMPORARY,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: 'nadia@example.com' },
            { Name: 'email_verified', Value: 'true' },
          ],
        }),
      );
      const user = appUser(appPool(), 'nadia');
      const outcome = await authenticate(user, TEMPORARY);
      expect(outcome.session).toBeUndefined();
      expect(outcome.newPasswordRequired).toEqual({ userAttributes: { email: 'nadia@example.com', email_verified: 'true' }, requiredAttributes: [] });

      // A password the policy refuses leaves the challenge open for another try.
      await expectLibraryError(completeNewPassword(user, 'short'), 'InvalidPasswordException', /^Password did not conform with policy/);
      const session = await completeNewPassword(user, NEW);
      expect(session.isValid()).toBe(true);
      expect(session.getIdToken().payload).toMatchObject({ 'cognito:username': 'nadia', email: 'nadia@example.com', email_verified: true });
      expect((await adminGet('nadia')).UserStatus).toBe('CONFIRMED');

      await expectLibraryError(authenticate(appUser(appPool(), 'nadia'), TEMPORARY), 'NotAuthorizedException', INCORRECT);
      expect((await signIn(appPool(), 'nadia', NEW)).session.isValid()).toBe(true);
    });

    /** A CognitoUser left on the library's default flow, USER_SRP_AUTH. */
    const srpUser = (pool: CognitoUserPool, Username: string) => {
      const user = new CognitoUser({ Username, Pool: pool, Storage: storageOf.get(pool)! });
      expect(user.getAuthenticationFlowType()).toBe('USER_SRP_AUTH');
      return user;
    };

    it('signs in with the library\'s default USER_SRP_AUTH flow, the password never leaving the client', async () => {
      const sub = await confirmedUser('sergio', 'sergio@example.com');
      const outcome = await authenticate(srpUser(appPool(), 'sergio'), PASSWORD);
      expect(outcome.session?.isValid()).toBe(true);
      expect(outcome.session!.getIdToken().payload).toMatchObject({ sub, 'cognito:username': 'sergio', token_use: 'id' });
      const me = await s.anonymous.send(new GetUserCommand({ AccessToken: outcome.session!.getAccessToken().getJwtToken() }));
      expect(me.Username).toBe('sergio');
    });

    it('refuses a wrong password and an unknown user over SRP with the same error', async () => {
      await confirmedUser('sofia', 'sofia@example.com');
      await expectLibraryError(authenticate(srpUser(appPool(), 'sofia'), 'Wrong-Passw0rd!'), 'NotAuthorizedException', INCORRECT);
      await expectLibraryError(authenticate(srpUser(appPool(), 'nobody-here'), PASSWORD), 'NotAuthorizedException', INCORRECT);
    });

    it('accepts only the new password over SRP after changePassword', async () => {
      await confirmedUser('sam', 'sam@example.com');
      const { user, session } = await signIn(appPool(), 'sam');
      user.setSignInUserSession(session);
      await nodeCall((cb) => user.changePassword(PASSWORD, 'Changed-Passw0rd!', cb));
      await expectLibraryError(authenticate(srpUser(appPool(), 'sam'), PASSWORD), 'NotAuthorizedException', INCORRECT);
      expect((await authenticate(srpUser(appPool(), 'sam'), 'Changed-Passw0rd!')).session?.isValid()).toBe(true);
    });

    it('raises newPasswordRequired over SRP for an admin-created user, and the new password then works over SRP', async () => {
      const TEMPORARY = 'Temp-Passw0rd!';
      await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'selma', TemporaryPassword: TEMPORARY, MessageAction: 'SUPPRESS' }));
      const user = srpUser(appPool(), 'selma');
      const outcome = await authenticate(user, TEMPORARY);
      expect(outcome.newPasswordRequired).toBeDefined();
      expect((await completeNewPassword(user, 'Selma-New-Passw0rd!')).isValid()).toBe(true);
      expect((await authenticate(srpUser(appPool(), 'selma'), 'Selma-New-Passw0rd!')).session?.isValid()).toBe(true);
    });
  });

  describe('sessions', () => {
    it('restores the cached session with getSession after a reload and renews it with refreshSession', async () => {
      await confirmedUser('rita', 'rita@example.com');
      const storage = new MapStorage();
      const first = (await signIn(appPool(storage), 'rita')).session;

      // A reload: new pool and user objects, same storage.
      const restored = appPool(storage).getCurrentUser()!;
      expect(restored.getUsername()).toBe('rita');
      const cached = await nodeCall<CognitoUserSession>((cb) => restored.getSession(cb));
      expect(cached.isValid()).toBe(true);
      expect(cached.getAccessToken().getJwtToken()).toBe(first.getAccessToken().getJwtToken());
      expect(cached.getIdToken().getJwtToken()).toBe(first.getIdToken().getJwtToken());

      const renewed = await nodeCall<CognitoUserSession>((cb) => restored.refreshSession(cached.getRefreshToken(), cb));
      expect(renewed.isValid()).toBe(true);
      expect(renewed.getAccessToken().getJwtToken()).not.toBe(first.getAccessToken().getJwtToken());
      expect(renewed.getAccessToken().payload).toMatchObject({ username: 'rita', client_id: clientId, origin_jti: first.getAccessToken().payload.origin_jti });
      // Without rotation Tessera returns no new refresh token; the library keeps the old one.
      expect(renewed.getRefreshToken().getToken()).toBe(first.getRefreshToken().getToken());
      expect(storage.getItem(`CognitoIdentityServiceProvider.${clientId}.rita.accessToken`)).toBe(renewed.getAccessToken().getJwtToken());
      expect((await s.anonymous.send(new GetUserCommand({ AccessToken: renewed.getAccessToken().getJwtToken() }))).Username).toBe('rita');
    });

    it('has getSession renew a cached session that has expired through the refresh token', async () => {
      await confirmedUser('eric', 'eric@example.com');
      const storage = new MapStorage();
      const first = (await signIn(appPool(storage), 'eric')).session;
      // The library judges expiry as now - clockDrift: a drift two hours behind makes the cached tokens expired.
      storage.setItem(`CognitoIdentityServiceProvider.${clientId}.eric.clockDrift`, '-7200');

      const restored = appPool(storage).getCurrentUser()!;
      const session = await nodeCall<CognitoUserSession>((cb) => restored.getSession(cb));
      expect(session.isValid()).toBe(true);
      expect(session.getAccessToken().getJwtToken()).not.toBe(first.getAccessToken().getJwtToken());
      expect(session.getIdToken().payload).toMatchObject({ 'cognito:username': 'eric', email: 'eric@example.com' });
      expect(storage.getItem(`CognitoIdentityServiceProvider.${clientId}.eric.clockDrift`)).not.toBe('-7200');
    });
  });

  describe('a signed-in user', () => {
    const updateAttributes = (user: CognitoUser, attributes: CognitoUserAttribute[]) =>
      new Promise<{ result: string; details: unknown }>((resolve, reject) =>
        user.updateAttributes(attributes, (err, result, details) => (err ? reject(err) : resolve({ result: result!, details }))),
      );

    it('reads its attributes with getUserAttributes and changes them with updateAttributes', async () => {
      const sub = await confirmedUser('ava', 'ava@example.com');
      const { user } = await signIn(appPool(), 'ava');
      const before = await nodeCall<CognitoUserAttribute[]>((cb) => user.getUserAttributes(cb));
      expect(before.every((a) => a instanceof CognitoUserAttribute)).toBe(true);
      expect(libraryAttributes(before)).toEqual({ sub, email: 'ava@example.com', email_verified: 'true' });

      expect(await updateAttributes(user, [new CognitoUserAttribute({ Name: 'name', Value: 'Ava Lovelace' })])).toEqual({ result: 'SUCCESS', details: { CodeDeliveryDetailsList: [] } });
      // A new email is auto-verified in this pool: the library hands back where the code went.
      expect(await updateAttributes(user, [new CognitoUserAttribute({ Name: 'email', Value: 'ava@example.org' })])).toEqual({
        result: 'SUCCESS',
        details: { CodeDeliveryDetailsList: [{ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'a***@example.org' }] },
      });
      await latestCode('ava@example.org', 'verify_email');

      const after = libraryAttributes(await nodeCall<CognitoUserAttribute[]>((cb) => user.getUserAttributes(cb)));
      expect(after).toMatchObject({ sub, name: 'Ava Lovelace', email: 'ava@example.org' });
      expect(after.email_verified).not.toBe('true');
      expect(attr((await adminGet('ava')).UserAttributes, 'name')).toBe('Ava Lovelace');
    });

    it('surfaces Tessera\'s refusal to let a user verify their own email through updateAttributes', async () => {
      await confirmedUser('vera', 'vera@example.com');
      const { user } = await signIn(appPool(), 'vera');
      await expectLibraryError(
        updateAttributes(user, [new CognitoUserAttribute({ Name: 'email_verified', Value: 'true' })]),
        'NotAuthorizedException',
        'A client attempted to write unauthorized attribute: email_verified',
      );
    });

    it('changes its password with changePassword', async () => {
      const CHANGED = 'Chang3d-Pw!x';
      await confirmedUser('carl', 'carl@example.com');
      const { user } = await signIn(appPool(), 'carl');
      await expectLibraryError(
        nodeCall((cb) => user.changePassword('Wrong-0ld!Pw', CHANGED, cb)),
        'NotAuthorizedException',
        INCORRECT,
      );
      expect(await nodeCall((cb) => user.changePassword(PASSWORD, CHANGED, cb))).toBe('SUCCESS');
      await expectLibraryError(authenticate(appUser(appPool(), 'carl'), PASSWORD), 'NotAuthorizedException', INCORRECT);
      expect((await signIn(appPool(), 'carl', CHANGED)).session.isValid()).toBe(true);
    });

    it('signs out everywhere with globalSignOut, after which its old tokens are refused', async () => {
      await confirmedUser('gina', 'gina@example.com');
      const pool = appPool();
      const { user, session } = await signIn(pool, 'gina');
      expect(await callbacks<string>((cb) => user.globalSignOut(cb))).toBe('SUCCESS');
      expect(pool.getCurrentUser()).toBeNull();
      await expectError(s.anonymous.send(new GetUserCommand({ AccessToken: session.getAccessToken().getJwtToken() })), 'NotAuthorizedException', 'Access Token has been revoked');
      await expectError(
        s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: session.getRefreshToken().getToken() } })),
        'NotAuthorizedException',
        'Refresh Token has been revoked',
      );
    });

    it('revokes its refresh token when signOut is given a callback', async () => {
      await confirmedUser('sol', 'sol@example.com');
      const pool = appPool();
      const { user, session } = await signIn(pool, 'sol');
      await new Promise<void>((resolve, reject) => user.signOut((err?: unknown) => (err ? reject(err) : resolve())));
      expect(pool.getCurrentUser()).toBeNull();
      await expectError(
        s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: session.getRefreshToken().getToken() } })),
        'NotAuthorizedException',
        'Refresh Token has been revoked',
      );
      await expectError(s.anonymous.send(new GetUserCommand({ AccessToken: session.getAccessToken().getJwtToken() })), 'NotAuthorizedException', 'Access Token has been revoked');
    });

    it('deletes itself with deleteUser', async () => {
      await confirmedUser('dora', 'dora@example.com');
      const pool = appPool();
      const { user } = await signIn(pool, 'dora');
      expect(await nodeCall((cb) => user.deleteUser(cb))).toBe('SUCCESS');
      expect(pool.getCurrentUser()).toBeNull();
      await expectError(adminGet('dora'), 'UserNotFoundException');
      await expectLibraryError(authenticate(appUser(appPool(), 'dora'), PASSWORD), 'NotAuthorizedException', INCORRECT);
    });
  });

  describe('forgotPassword and confirmPassword', () => {
    it('resets a forgotten password with the emailed code after refusing a wrong one', async () => {
      const RESET = 'R3set-Passw0rd!';
      await confirmedUser('fred', 'fred@example.com');
      const user = appUser(appPool(), 'fred');
      const sent = await callbacks<unknown>((cb) => user.forgotPassword(cb));
      expect(sent).toEqual({ CodeDeliveryDetails: { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'f***@example.com' } });
      const code = await latestCode('fred@example.com', 'forgot_password');

      await expectLibraryError(
        callbacks<string>((cb) => user.confirmPassword(otherThan(code), RESET, cb)),
        'CodeMismatchException',
        MISMATCH,
      );
      expect(await callbacks<string>((cb) => user.confirmPassword(code, RESET, cb))).toBe('SUCCESS');
      await expectLibraryError(authenticate(appUser(appPool(), 'fred'), PASSWORD), 'NotAuthorizedException', INCORRECT);
      expect((await signIn(appPool(), 'fred', RESET)).session.isValid()).toBe(true);
    });
  });

  describe('the wire', () => {
    it('lets a browser preflight the exact headers the library sends', async () => {
      // Client.js sends these on every call, with mode: 'cors'.
      const sent = ['content-type', 'x-amz-target', 'x-amz-user-agent', 'cache-control'];
      const res = await fetch(`${s.url}/`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': sent.join(',') },
      });
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      const allowed = res.headers.get('access-control-allow-headers')!.split(',').map((h) => h.trim().toLowerCase());
      for (const header of sent) expect(allowed).toContain(header);
    });
  });
});
