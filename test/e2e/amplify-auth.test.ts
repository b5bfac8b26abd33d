import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  GetUserCommand,
  InitiateAuthCommand,
  SetUserMFAPreferenceCommand,
  SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { confirmSignIn, fetchAuthSession, getCurrentUser, signIn, signOut } from 'aws-amplify/auth';
// Codes come from an independent TOTP library, not the one the server uses.
import { generate } from 'otplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AmplifyCall, configureAmplify, type MemoryKeyValueStorage, recordCalls } from '../support/amplify.ts';
import { expectError } from '../support/expect-error.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Amplify JS v6's own auth API (signIn, confirmSignIn, fetchAuthSession, getCurrentUser, signOut), run in Node
 * with `userPoolEndpoint` pointing at Tessera. Amplify keeps module-level state (the configured pool, the token
 * store, the sign-in in progress), so the tests run in order in this one file and sign out after each.
 */

const PASSWORD = 'Amplify-Passw0rd!';
const TEMPORARY = 'Temporary-Passw0rd!';
const NEW_PASSWORD = 'Brand-New-Passw0rd!';
const FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] as const;

const stepOf = (ms: number) => Math.floor(ms / 30_000);

describe('Amplify v6 auth against Tessera', () => {
  let s: TestServer;
  let recorder: ReturnType<typeof recordCalls>;
  /** A pool without MFA, with ready users and one with a temporary password. */
  const plain = { poolId: '', clientId: '' };
  /** A pool with MFA OPTIONAL and a user enrolled through the SDK. */
  const optional = { poolId: '', clientId: '', secret: '', enrolledStep: 0 };
  /** A pool with MFA ON and a user who has never enrolled. */
  const required = { poolId: '', clientId: '' };

  async function createPool(PoolName: string, mfa?: 'ON' | 'OPTIONAL') {
    const poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName }))).UserPool!.Id!;
    if (mfa) await s.admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: mfa, SoftwareTokenMfaConfiguration: { Enabled: true } }));
    const clientId = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'amplify-web', ExplicitAuthFlows: [...FLOWS] }))).UserPoolClient!.ClientId!;
    return { poolId, clientId };
  }
  async function createUser(UserPoolId: string, Username: string, permanentPassword?: string) {
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId, Username, MessageAction: 'SUPPRESS', TemporaryPassword: TEMPORARY }));
    if (permanentPassword) await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId, Username, Password: permanentPassword, Permanent: true }));
  }
  async function subOf(UserPoolId: string, Username: string): Promise<string> {
    const user = await s.admin.send(new AdminGetUserCommand({ UserPoolId, Username }));
    return user.UserAttributes!.find((a) => a.Name === 'sub')!.Value!;
  }
  /** The calls Amplify made since `mark`, as [operation, HTTP status]. */
  const callsSince = (mark: number) => recorder.calls.slice(mark).map((c: AmplifyCall) => [c.operation, c.status]);

  beforeAll(async () => {
    s = await startTestServer();
    recorder = recordCalls(s.url);

    Object.assign(plain, await createPool('amplify-plain'));
    await createUser(plain.poolId, 'amelia', PASSWORD);
    await createUser(plain.poolId, 'bruno', PASSWORD);
    await createUser(plain.poolId, 'carla');

    Object.assign(optional, await createPool('amplify-optional', 'OPTIONAL'));
    await createUser(optional.poolId, 'dora', PASSWORD);
    // Enrol dora's authenticator with her own access token, as an app's settings page would.
    const signedIn = await s.anonymous.send(new InitiateAuthCommand({ ClientId: optional.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'dora', PASSWORD } }));
    const AccessToken = signedIn.AuthenticationResult!.AccessToken!;
    optional.secret = (await s.anonymous.send(new AssociateSoftwareTokenCommand({ AccessToken }))).SecretCode!;
    optional.enrolledStep = stepOf(Date.now());
    const verified = await s.anonymous.send(new VerifySoftwareTokenCommand({ AccessToken, UserCode: await generate({ secret: optional.secret }) }));
    expect(verified.Status).toBe('SUCCESS');
    await s.anonymous.send(new SetUserMFAPreferenceCommand({ AccessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));

    Object.assign(required, await createPool('amplify-required', 'ON'));
    await createUser(required.poolId, 'emil', PASSWORD);
  });
  afterEach(async () => {
    // Leave no signed-in user behind for the next test's signIn.
    await signOut();
  });
  afterAll(async () => {
    recorder?.restore();
    await s?.close();
  });

  it('signs in with the default SRP flow, exposes tokens for the user, and signs out locally by revoking the refresh token', async () => {
    const storage: MemoryKeyValueStorage = configureAmplify(s.url, plain.poolId, plain.clientId);
    const sub = await subOf(plain.poolId, 'amelia');
    const mark = recorder.calls.length;

    expect(await signIn({ username: 'amelia', password: PASSWORD })).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    expect(callsSince(mark)).toEqual([
      ['InitiateAuth', 200],
      ['RespondToAuthChallenge', 200],
    ]);
    expect(recorder.calls[mark]!.request).toMatchObject({ AuthFlow: 'USER_SRP_AUTH', ClientId: plain.clientId, AuthParameters: { USERNAME: 'amelia', SRP_A: expect.stringMatching(/^[0-9a-f]+$/) } });
    expect(recorder.calls[mark + 1]!.request).toMatchObject({ ChallengeName: 'PASSWORD_VERIFIER', ChallengeResponses: { USERNAME: 'amelia' } });

    const session = await fetchAuthSession();
    expect(session.userSub).toBe(sub);
    expect(session.tokens?.idToken?.payload).toMatchObject({ 'cognito:username': 'amelia', token_use: 'id', sub, aud: plain.clientId });
    expect(session.tokens?.accessToken.payload).toMatchObject({ username: 'amelia', token_use: 'access', sub, client_id: plain.clientId });
    expect(await getCurrentUser()).toEqual({ username: 'amelia', userId: sub, signInDetails: { loginId: 'amelia', authFlowType: 'USER_SRP_AUTH' } });

    // Amplify keeps the tokens in the storage it was given.
    const accessToken = session.tokens!.accessToken.toString();
    const refreshToken = storage.find('refreshToken');
    expect(storage.find('accessToken')).toBe(accessToken);
    expect(refreshToken).toEqual(expect.any(String));
    expect((await s.anonymous.send(new GetUserCommand({ AccessToken: accessToken }))).Username).toBe('amelia');

    const beforeSignOut = recorder.calls.length;
    await signOut();
    // The access token carries origin_jti, so Amplify revokes the refresh token (and Amplify swallows errors: check the answer).
    expect(callsSince(beforeSignOut)).toEqual([['RevokeToken', 200]]);
    expect(recorder.calls[beforeSignOut]!.request).toEqual({ ClientId: plain.clientId, Token: refreshToken });
    await expectError(getCurrentUser(), 'UserUnAuthenticatedException');
    expect((await fetchAuthSession()).tokens).toBeUndefined();
    expect(storage.find('accessToken')).toBeUndefined();
    await expectError(
      s.anonymous.send(new InitiateAuthCommand({ ClientId: plain.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken! } })),
      'NotAuthorizedException',
      'Refresh Token has been revoked',
    );
    await expectError(s.anonymous.send(new GetUserCommand({ AccessToken: accessToken })), 'NotAuthorizedException', 'Access Token has been revoked');
  });

  it('signs out globally, after which Tessera refuses the old access token', async () => {
    configureAmplify(s.url, plain.poolId, plain.clientId);
    expect((await signIn({ username: 'amelia', password: PASSWORD })).isSignedIn).toBe(true);
    const accessToken = (await fetchAuthSession()).tokens!.accessToken.toString();
    expect((await s.anonymous.send(new GetUserCommand({ AccessToken: accessToken }))).Username).toBe('amelia');

    const mark = recorder.calls.length;
    await signOut({ global: true });
    expect(callsSince(mark)).toEqual([['GlobalSignOut', 200]]);
    expect(recorder.calls[mark]!.request).toEqual({ AccessToken: accessToken });
    await expectError(getCurrentUser(), 'UserUnAuthenticatedException');
    await expectError(s.anonymous.send(new GetUserCommand({ AccessToken: accessToken })), 'NotAuthorizedException', 'Access Token has been revoked');
  });

  it('surfaces a wrong password as NotAuthorizedException with Cognito\'s message, and stays signed out', async () => {
    configureAmplify(s.url, plain.poolId, plain.clientId);
    const mark = recorder.calls.length;
    await expectError(signIn({ username: 'bruno', password: 'Wrong-Passw0rd!' }), 'NotAuthorizedException', 'Incorrect username or password.');
    expect(callsSince(mark)).toEqual([
      ['InitiateAuth', 200],
      ['RespondToAuthChallenge', 400],
    ]);
    expect(recorder.calls[mark + 1]!.response).toMatchObject({ __type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    await expectError(getCurrentUser(), 'UserUnAuthenticatedException');
    // The right password still works: one failure does not lock the account.
    expect((await signIn({ username: 'bruno', password: PASSWORD })).isSignedIn).toBe(true);
  });

  it('asks an admin-created user for a new password, then signs them in with it', async () => {
    configureAmplify(s.url, plain.poolId, plain.clientId);
    const first = await signIn({ username: 'carla', password: TEMPORARY });
    expect(first.isSignedIn).toBe(false);
    expect(first.nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED');

    const mark = recorder.calls.length;
    expect(await confirmSignIn({ challengeResponse: NEW_PASSWORD })).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    expect(callsSince(mark)).toEqual([['RespondToAuthChallenge', 200]]);
    expect(recorder.calls[mark]!.request).toMatchObject({ ChallengeName: 'NEW_PASSWORD_REQUIRED', ChallengeResponses: { USERNAME: 'carla', NEW_PASSWORD } });
    expect((await getCurrentUser()).username).toBe('carla');
    expect((await s.admin.send(new AdminGetUserCommand({ UserPoolId: plain.poolId, Username: 'carla' }))).UserStatus).toBe('CONFIRMED');

    await signOut();
    await expectError(signIn({ username: 'carla', password: TEMPORARY }), 'NotAuthorizedException', 'Incorrect username or password.');
    expect(await signIn({ username: 'carla', password: NEW_PASSWORD })).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  });

  it('with MFA OPTIONAL, asks an enrolled user for a TOTP code and signs them in with it', async () => {
    configureAmplify(s.url, optional.poolId, optional.clientId);
    const first = await signIn({ username: 'dora', password: PASSWORD });
    expect(first).toEqual({ isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' } });
    await expectError(getCurrentUser(), 'UserUnAuthenticatedException');

    // A code is single-use per 30 s step: if enrolment used this step's code, wait for the next step.
    if (stepOf(Date.now()) <= optional.enrolledStep) await new Promise((r) => setTimeout(r, (optional.enrolledStep + 1) * 30_000 - Date.now() + 200));
    const code = await generate({ secret: optional.secret });
    const mark = recorder.calls.length;
    expect(await confirmSignIn({ challengeResponse: code })).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    expect(callsSince(mark)).toEqual([['RespondToAuthChallenge', 200]]);
    expect(recorder.calls[mark]!.request).toMatchObject({ ChallengeName: 'SOFTWARE_TOKEN_MFA', ChallengeResponses: { USERNAME: 'dora', SOFTWARE_TOKEN_MFA_CODE: code } });
    expect(await getCurrentUser()).toMatchObject({ username: 'dora', userId: await subOf(optional.poolId, 'dora') });
  });

  it('with MFA ON, has a new user set up TOTP inside the sign-in and signs them in with a code for the shared secret', async () => {
    configureAmplify(s.url, required.poolId, required.clientId);
    const mark = recorder.calls.length;
    const first = await signIn({ username: 'emil', password: PASSWORD });
    expect(first.isSignedIn).toBe(false);
    expect(first.nextStep.signInStep).toBe('CONTINUE_SIGN_IN_WITH_TOTP_SETUP');
    if (first.nextStep.signInStep !== 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP') return;
    const secret = first.nextStep.totpSetupDetails.sharedSecret;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(first.nextStep.totpSetupDetails.getSetupUri('Tessera').href).toBe(`otpauth://totp/Tessera:emil?secret=${secret}&issuer=Tessera`);
    // Amplify associated the token itself, with the sign-in session.
    expect(callsSince(mark)).toEqual([
      ['InitiateAuth', 200],
      ['RespondToAuthChallenge', 200],
      ['AssociateSoftwareToken', 200],
    ]);
    expect(recorder.calls[mark + 1]!.response).toMatchObject({ ChallengeName: 'MFA_SETUP', ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' } });
    expect(recorder.calls[mark + 2]!.request).toEqual({ Session: recorder.calls[mark + 1]!.response.Session });

    const setupMark = recorder.calls.length;
    const code = await generate({ secret });
    expect(await confirmSignIn({ challengeResponse: code })).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    expect(callsSince(setupMark)).toEqual([
      ['VerifySoftwareToken', 200],
      ['RespondToAuthChallenge', 200],
    ]);
    expect(recorder.calls[setupMark]!.request).toMatchObject({ UserCode: code, Session: expect.any(String) });
    expect(recorder.calls[setupMark + 1]!.request).toMatchObject({ ChallengeName: 'MFA_SETUP', ChallengeResponses: { USERNAME: 'emil' } });
    expect((await getCurrentUser()).username).toBe('emil');
    expect(await s.admin.send(new AdminGetUserCommand({ UserPoolId: required.poolId, Username: 'emil' }))).toMatchObject({ UserMFASettingList: ['SOFTWARE_TOKEN_MFA'], PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA' });

    // Enrolled now: the next sign-in asks for a code instead of a setup.
    await signOut();
    expect((await signIn({ username: 'emil', password: PASSWORD })).nextStep.signInStep).toBe('CONFIRM_SIGN_IN_WITH_TOTP_CODE');
  });

  it('refreshes the tokens when fetchAuthSession is forced to', async () => {
    configureAmplify(s.url, plain.poolId, plain.clientId);
    expect((await signIn({ username: 'amelia', password: PASSWORD })).isSignedIn).toBe(true);
    const before = (await fetchAuthSession()).tokens!;
    // A second apart, so the new tokens' iat differs from the old ones'.
    await new Promise((r) => setTimeout(r, 1100));

    const mark = recorder.calls.length;
    const refreshed = await fetchAuthSession({ forceRefresh: true }).catch((e: Error) => e);
    // One call, answered with tokens. Amplify JS refreshes with GetTokensFromRefreshToken since amplify-js#14427
    // (mid-2025, for refresh token rotation), with InitiateAuth REFRESH_TOKEN_AUTH before; either must work.
    expect(recorder.calls.slice(mark).map((c) => [c.operation, c.status, c.response.__type])).toEqual([[expect.any(String), 200, undefined]]);
    expect(refreshed).not.toBeInstanceOf(Error);
    const after = (refreshed as Awaited<ReturnType<typeof fetchAuthSession>>).tokens!;
    expect(after.accessToken.toString()).not.toBe(before.accessToken.toString());
    expect(after.idToken?.toString()).not.toBe(before.idToken?.toString());
    expect(after.accessToken.payload.iat).toBeGreaterThan(before.accessToken.payload.iat!);
    expect(after.accessToken.payload).toMatchObject({ username: 'amelia', token_use: 'access', sub: before.accessToken.payload.sub });
    expect(after.idToken?.payload).toMatchObject({ 'cognito:username': 'amelia', token_use: 'id' });
    expect((await s.anonymous.send(new GetUserCommand({ AccessToken: after.accessToken.toString() }))).Username).toBe('amelia');
    // Without force, the fresh tokens are served from the store.
    expect((await fetchAuthSession()).tokens?.accessToken.toString()).toBe(after.accessToken.toString());
  });
});
