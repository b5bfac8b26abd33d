import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AssociateSoftwareTokenCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  GetUserCommand,
  GetUserPoolMfaConfigCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
// Codes come from an independent TOTP library, not the one the server uses.
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/expect-error.ts';
import { browserFetch, CookieJar, decodeEntities, openLoginPage } from '../support/hosted-ui.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'Mfa-Passw0rd!';
const CALLBACK = 'https://app.example/cb';

describe('software token (TOTP) multi-factor authentication', () => {
  let s: TestServer;
  let poolId: string;
  let clientId: string;

  beforeAll(async () => {
    s = await startTestServer();
    poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'mfa' }))).UserPool!.Id!;
    clientId = (
      await s.admin.send(
        new CreateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientName: 'app',
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          AllowedOAuthFlows: ['code'],
          AllowedOAuthFlowsUserPoolClient: true,
          AllowedOAuthScopes: ['openid'],
          CallbackURLs: [CALLBACK],
        }),
      )
    ).UserPoolClient!.ClientId!;
  });
  afterAll(async () => s?.close());

  const createUser = async (Username: string) => {
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username, MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username, Password: PASSWORD, Permanent: true }));
  };
  const signIn = (USERNAME: string) => s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } }));
  const respond = (ChallengeName: 'SOFTWARE_TOKEN_MFA' | 'MFA_SETUP', Session: string, ChallengeResponses: Record<string, string>) =>
    s.anonymous.send(new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName, Session, ChallengeResponses }));
  const setMode = (MfaConfiguration: 'OFF' | 'ON' | 'OPTIONAL') => s.admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration, SoftwareTokenMfaConfiguration: { Enabled: true } }));
  /** A code for a step other than the current one's neighbours: never valid now. */
  const staleCode = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) - 300 });

  /** Enrols a signed-in user's authenticator through the access token and turns it on; returns the secret. */
  async function enrol(username: string): Promise<string> {
    const token = (await signIn(username)).AuthenticationResult!.AccessToken!;
    const { SecretCode } = await s.anonymous.send(new AssociateSoftwareTokenCommand({ AccessToken: token }));
    expect(SecretCode).toMatch(/^[A-Z2-7]{32}$/);
    await expectError(s.anonymous.send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: await staleCode(SecretCode!) })), 'EnableSoftwareTokenMFAException');
    expect((await s.anonymous.send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: await generate({ secret: SecretCode! }), FriendlyDeviceName: 'phone' }))).Status).toBe('SUCCESS');
    await s.anonymous.send(new SetUserMFAPreferenceCommand({ AccessToken: token, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } }));
    return SecretCode!;
  }

  it('refuses MFA ON or OPTIONAL with no factor enabled, and reports the pool configuration', async () => {
    await expectError(s.admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: 'ON' })), 'InvalidParameterException');
    await expectError(s.admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, MfaConfiguration: 'OPTIONAL', SmsMfaConfiguration: { SmsAuthenticationMessage: 'x {####}' } })), 'InvalidParameterException');
    expect(await setMode('OPTIONAL')).toMatchObject({ MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } });
    expect(await s.admin.send(new GetUserPoolMfaConfigCommand({ UserPoolId: poolId }))).toMatchObject({ MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } });
  });

  it('with MFA OPTIONAL, signs in a user without a token on the password alone, and asks an enrolled one for a code', async () => {
    await setMode('OPTIONAL');
    await createUser('olga');
    expect((await signIn('olga')).AuthenticationResult).toBeDefined();
    const secret = await enrol('olga');
    expect(await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'olga' }))).toMatchObject({ UserMFASettingList: ['SOFTWARE_TOKEN_MFA'], PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA' });

    const challenge = await signIn('olga');
    expect(challenge.AuthenticationResult).toBeUndefined();
    expect(challenge.ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
    // Within the 30 s step the enrolment used, the same code is a replay; wait for the next step.
    await new Promise((r) => setTimeout(r, (30 - (Math.floor(Date.now() / 1000) % 30)) * 1000 + 200));
    const code = await generate({ secret });
    const out = await respond('SOFTWARE_TOKEN_MFA', challenge.Session!, { USERNAME: 'olga', SOFTWARE_TOKEN_MFA_CODE: code });
    expect(out.AuthenticationResult?.AccessToken).toBeDefined();
    const me = await s.anonymous.send(new GetUserCommand({ AccessToken: out.AuthenticationResult!.AccessToken! }));
    expect(me.UserMFASettingList).toEqual(['SOFTWARE_TOKEN_MFA']);

    // The same code again, in a new sign-in, is a replay.
    const again = await signIn('olga');
    await expectError(respond('SOFTWARE_TOKEN_MFA', again.Session!, { USERNAME: 'olga', SOFTWARE_TOKEN_MFA_CODE: code }), 'CodeMismatchException', 'Invalid code received for user');
  }, 40_000);

  it('refuses a wrong code, uses up the session, and counts it toward the lock', async () => {
    await setMode('OPTIONAL');
    await createUser('oscar');
    const secret = await enrol('oscar');
    const first = await signIn('oscar');
    await expectError(respond('SOFTWARE_TOKEN_MFA', first.Session!, { USERNAME: 'oscar', SOFTWARE_TOKEN_MFA_CODE: await staleCode(secret) }), 'CodeMismatchException');
    await expectError(respond('SOFTWARE_TOKEN_MFA', first.Session!, { USERNAME: 'oscar', SOFTWARE_TOKEN_MFA_CODE: await generate({ secret }) }), 'NotAuthorizedException', 'Invalid session for the user.');
    // A correct password does not clear the count of wrong codes.
    let locked: Error | undefined;
    for (let i = 0; i < 8 && !locked; i++) {
      const c = await signIn('oscar');
      const e = await respond('SOFTWARE_TOKEN_MFA', c.Session!, { USERNAME: 'oscar', SOFTWARE_TOKEN_MFA_CODE: ['000000', 'abcdef', '12345'][i % 3]! }).catch((err: Error) => err);
      expect(e).toBeInstanceOf(Error);
      if ((e as Error).message === 'Password attempts exceeded') locked = e as Error;
      else expect((e as Error).name).toBe('CodeMismatchException');
    }
    expect(locked?.message).toBe('Password attempts exceeded');
    const later = await signIn('oscar');
    await expectError(respond('SOFTWARE_TOKEN_MFA', later.Session!, { USERNAME: 'oscar', SOFTWARE_TOKEN_MFA_CODE: await generate({ secret }) }), 'NotAuthorizedException', 'Password attempts exceeded');
  });

  it('with MFA ON, makes a user without a token enrol inside the sign-in (MFA_SETUP), then asks for codes', async () => {
    await setMode('ON');
    await createUser('otto');
    const setup = await signIn('otto');
    expect(setup.ChallengeName).toBe('MFA_SETUP');
    expect(setup.ChallengeParameters?.MFAS_CAN_SETUP).toBe('["SOFTWARE_TOKEN_MFA"]');
    // Answering before enrolling gets nothing.
    const early = await signIn('otto');
    await expectError(respond('MFA_SETUP', early.Session!, { USERNAME: 'otto' }), 'NotAuthorizedException');

    const { SecretCode, Session } = await s.anonymous.send(new AssociateSoftwareTokenCommand({ Session: setup.Session! }));
    const verified = await s.anonymous.send(new VerifySoftwareTokenCommand({ Session: Session!, UserCode: await generate({ secret: SecretCode! }) }));
    expect(verified.Status).toBe('SUCCESS');
    const done = await respond('MFA_SETUP', verified.Session!, { USERNAME: 'otto' });
    expect(done.AuthenticationResult?.IdToken).toBeDefined();
    expect((await signIn('otto')).ChallengeName).toBe('SOFTWARE_TOKEN_MFA');
    await setMode('OPTIONAL');
  });

  it('refuses to turn on a token that was never verified', async () => {
    await createUser('omar');
    await expectError(s.admin.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: poolId, Username: 'omar', SoftwareTokenMfaSettings: { Enabled: true } })), 'SoftwareTokenMFANotFoundException');
    await expectError(s.admin.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: poolId, Username: 'omar', SMSMfaSettings: { Enabled: true } })), 'InvalidParameterException');
  });

  it('never lets the hosted UI sign in a user who owes a code on the password alone: it asks for the code', async () => {
    await setMode('OPTIONAL');
    await createUser('opal');
    await enrol('opal');
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
    const authorize = `${s.url}/${poolId}/oauth2/authorize?client_id=${clientId}&response_type=code&redirect_uri=${encodeURIComponent(CALLBACK)}&scope=openid&state=st&code_challenge_method=S256&code_challenge=${challenge}`;
    const jar = new CookieJar();
    const page = await openLoginPage(authorize, jar);
    const posted = await browserFetch(page.action, jar, { form: { _csrf: page.csrf, username: 'opal', password: PASSWORD } });
    expect(posted.status).toBe(200);
    expect(posted.headers.get('location')).toBeNull();
    expect(posted.headers.get('set-cookie') ?? '').not.toContain('tessera_session');
    expect(decodeEntities(await posted.text())).toContain('Enter your authentication code');
  });

  it('works with amazon-cognito-identity-js: authenticateUser raises totpRequired and sendMFACode completes it', async () => {
    await setMode('OPTIONAL');
    await createUser('orla');
    const secret = await enrol('orla');
    await new Promise((r) => setTimeout(r, (30 - (Math.floor(Date.now() / 1000) % 30)) * 1000 + 200));
    const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: `${s.url}/` });
    const user = new CognitoUser({ Username: 'orla', Pool: pool });
    const session = await new Promise<CognitoUserSession>((resolve, reject) =>
      user.authenticateUser(new AuthenticationDetails({ Username: 'orla', Password: PASSWORD }), {
        onSuccess: resolve,
        onFailure: reject,
        totpRequired: () => {
          void generate({ secret }).then((code) => user.sendMFACode(code, { onSuccess: resolve, onFailure: reject }, 'SOFTWARE_TOKEN_MFA'));
        },
      }),
    );
    expect(session.isValid()).toBe(true);
    expect(session.getIdToken().payload['cognito:username']).toBe('orla');
  }, 40_000);
});
