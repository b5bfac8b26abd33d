import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/expect-error.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const PASSWORD = 'Trigger-Passw0rd!';

/**
 * The pre token generation trigger, as seed 001 uses it (a cost center added to the ID token), run
 * as an HTTP endpoint and as a local module, in event versions 1 and 2.
 */
describe('pre token generation trigger', () => {
  let s: TestServer;
  let endpoint: Server;
  let endpointUrl: string;
  const events: Array<Record<string, any>> = [];
  let answer: (event: Record<string, any>) => object = (e) => e;
  const modules = mkdtempSync(join(tmpdir(), 'tessera-triggers-'));

  beforeAll(async () => {
    endpoint = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const event = JSON.parse(body) as Record<string, any>;
        events.push(event);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(answer(event)));
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    endpointUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/pre-token`;
    writeFileSync(join(modules, 'cost-center.mjs'), `export const handler = async (event) => { event.response = { claimsOverrideDetails: { claimsToAddOrOverride: { costCenter: 'Finance1234', source: event.triggerSource } } }; return event; };\n`);
    s = await startTestServer({ triggerModules: [modules] });
  });
  afterAll(async () => {
    endpoint.close();
    await s?.close();
  });

  async function poolWith(LambdaConfig: Record<string, unknown>) {
    const poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: `triggers-${events.length}-${Math.random().toString(36).slice(2, 6)}`, LambdaConfig }))).UserPool!.Id!;
    const clientId = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'john', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'john@example.com' }] }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'john', Password: PASSWORD, Permanent: true }));
    const signIn = () => s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'john', PASSWORD } }));
    return { poolId, clientId, signIn };
  }

  it('adds and suppresses ID token claims from an HTTP endpoint (V1), and sends Cognito\'s event', async () => {
    answer = (e) => ({ ...e, response: { claimsOverrideDetails: { claimsToAddOrOverride: { costCenter: 'Finance1234', sub: 'forged' }, claimsToSuppress: ['email'] } } });
    const { poolId, clientId, signIn } = await poolWith({ PreTokenGeneration: endpointUrl });
    const out = await signIn();
    const id = decodeJwt(out.AuthenticationResult!.IdToken!);
    expect(id.costCenter).toBe('Finance1234');
    expect(id.email).toBeUndefined();
    // sub is reserved: the trigger cannot change it.
    expect(id.sub).not.toBe('forged');
    const event = events.at(-1)!;
    expect(event).toMatchObject({ version: '1', triggerSource: 'TokenGeneration_Authentication', region: 'us-east-1', userPoolId: poolId, userName: 'john', callerContext: { clientId } });
    expect(event.request.userAttributes).toMatchObject({ email: 'john@example.com', sub: id.sub });
    expect(event.request.groupConfiguration).toEqual({ groupsToOverride: [], iamRolesToOverride: [], preferredRole: null });

    await s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: out.AuthenticationResult!.RefreshToken! } }));
    expect(events.at(-1)!.triggerSource).toBe('TokenGeneration_RefreshTokens');
  });

  it('customizes the access token and its scopes with a V2 response', async () => {
    answer = (e) => ({
      ...e,
      response: { claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: { tenant: 'acme', roles: ['a', 'b'] }, scopesToAdd: ['orders/read'] }, idTokenGeneration: { claimsToAddOrOverride: { costCenter: 'Sales0001' } } } },
    });
    const { signIn } = await poolWith({ PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: endpointUrl } });
    const out = await signIn();
    const access = decodeJwt(out.AuthenticationResult!.AccessToken!);
    expect(access).toMatchObject({ tenant: 'acme', roles: ['a', 'b'] });
    expect(String(access.scope).split(' ')).toContain('orders/read');
    expect(decodeJwt(out.AuthenticationResult!.IdToken!).costCenter).toBe('Sales0001');
    expect(events.at(-1)!.version).toBe('2');
  });

  it('runs a local module from a directory the operator named, and refuses one from anywhere else', async () => {
    const { signIn } = await poolWith({ PreTokenGeneration: join(modules, 'cost-center.mjs') });
    expect(decodeJwt((await signIn()).AuthenticationResult!.IdToken!)).toMatchObject({ costCenter: 'Finance1234', source: 'TokenGeneration_Authentication' });
    const outside = mkdtempSync(join(tmpdir(), 'tessera-not-allowed-'));
    writeFileSync(join(outside, 'evil.mjs'), 'export const handler = async (e) => e;\n');
    const bad = await poolWith({ PreTokenGeneration: join(outside, 'evil.mjs') });
    await expectError(bad.signIn(), 'UnexpectedLambdaException', /--trigger-modules/);
  });

  it('refuses the sign-in with the trigger\'s own message when it fails, and with Cognito\'s when it answers nonsense', async () => {
    answer = () => ({ errorMessage: 'cost center lookup failed', errorType: 'Error' });
    const failing = await poolWith({ PreTokenGeneration: endpointUrl });
    await expectError(failing.signIn(), 'UserLambdaValidationException', /^PreTokenGeneration failed with error cost center lookup failed/);
    answer = () => ({ response: 'not an object' });
    await expectError(failing.signIn(), 'InvalidLambdaResponseException');
    // Without the trigger the same pool signs in again.
    await s.admin.send(new UpdateUserPoolCommand({ UserPoolId: failing.poolId, LambdaConfig: {} }));
    expect((await failing.signIn()).AuthenticationResult).toBeDefined();
  });
});

describe('sign-up and sign-in triggers', () => {
  let s: TestServer;
  let endpoint: Server;
  let url: string;
  const events: Array<Record<string, any>> = [];
  const answers = new Map<string, (event: Record<string, any>) => object>();

  beforeAll(async () => {
    endpoint = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const event = JSON.parse(body) as Record<string, any>;
        events.push(event);
        const answer = answers.get(event.triggerSource as string) ?? ((e) => e);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(answer(event)));
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/trigger`;
    s = await startTestServer();
  });
  afterAll(async () => {
    endpoint.close();
    await s?.close();
  });

  async function pool(LambdaConfig: Record<string, unknown>) {
    const poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: `flows-${Math.random().toString(36).slice(2, 8)}`, LambdaConfig, AutoVerifiedAttributes: ['email'] }))).UserPool!.Id!;
    const ClientId = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
    return { poolId, ClientId };
  }
  const signUp = (ClientId: string, Username: string) =>
    s.anonymous.send(new SignUpCommand({ ClientId, Username, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: `${Username}@example.com` }], ValidationData: [{ Name: 'invite', Value: 'abc' }], ClientMetadata: { from: 'test' } }));

  it('PreSignUp can confirm and verify a new user at once, and sees the validation data', async () => {
    answers.set('PreSignUp_SignUp', (e) => ({ ...e, response: { autoConfirmUser: true, autoVerifyEmail: true, autoVerifyPhone: false } }));
    const { poolId, ClientId } = await pool({ PreSignUp: url });
    expect((await signUp(ClientId, 'amy')).UserConfirmed).toBe(true);
    expect(events.at(-1)).toMatchObject({ triggerSource: 'PreSignUp_SignUp', userName: 'amy', request: { userAttributes: { email: 'amy@example.com' }, validationData: { invite: 'abc' }, clientMetadata: { from: 'test' } } });
    const user = await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'amy' }));
    expect(user.UserStatus).toBe('CONFIRMED');
    expect(user.UserAttributes).toContainEqual({ Name: 'email_verified', Value: 'true' });
    expect((await s.anonymous.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'amy', PASSWORD } }))).AuthenticationResult).toBeDefined();
  });

  it('PreSignUp refusing leaves no user behind', async () => {
    answers.set('PreSignUp_SignUp', () => ({ errorMessage: 'invitation required', errorType: 'Error' }));
    const { poolId, ClientId } = await pool({ PreSignUp: url });
    await expectError(signUp(ClientId, 'bea'), 'UserLambdaValidationException', /^PreSignUp failed with error invitation required/);
    await expectError(s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'bea' })), 'UserNotFoundException');
  });

  it('PostConfirmation runs when the sign-up is confirmed', async () => {
    answers.delete('PreSignUp_SignUp');
    const { ClientId } = await pool({ PostConfirmation: url });
    await signUp(ClientId, 'cleo');
    const [message] = await s.tessera.outbox.list({ destination: 'cleo@example.com' });
    await s.anonymous.send(new ConfirmSignUpCommand({ ClientId, Username: 'cleo', ConfirmationCode: message!.code! }));
    expect(events.at(-1)).toMatchObject({ triggerSource: 'PostConfirmation_ConfirmSignUp', userName: 'cleo', request: { userAttributes: { email: 'cleo@example.com', 'cognito:user_status': 'CONFIRMED' } } });
  });

  it('PreAuthentication can refuse a sign-in with its own message, before the password is checked; PostAuthentication runs after', async () => {
    answers.set('PreSignUp_SignUp', (e) => ({ ...e, response: { autoConfirmUser: true, autoVerifyEmail: false, autoVerifyPhone: false } }));
    const { ClientId } = await pool({ PreSignUp: url, PreAuthentication: url, PostAuthentication: url });
    await signUp(ClientId, 'dora');
    await signUp(ClientId, 'eve');
    answers.set('PreAuthentication_Authentication', (e) => (e.userName === 'eve' ? { errorMessage: 'account under review', errorType: 'Error' } : e));
    await expectError(
      s.anonymous.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'eve', PASSWORD: 'not even checked' } })),
      'UserLambdaValidationException',
      /^PreAuthentication failed with error account under review/,
    );
    expect((await s.anonymous.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'dora', PASSWORD } }))).AuthenticationResult).toBeDefined();
    expect(events.slice(-2).map((e) => e.triggerSource)).toEqual(['PreAuthentication_Authentication', 'PostAuthentication_Authentication']);
  });

  it('UserMigration brings in a user the pool does not know, at the first sign-in, with the password typed', async () => {
    answers.set('UserMigration_Authentication', (e) =>
      e.request.password === 'Legacy-Passw0rd!'
        ? { ...e, response: { userAttributes: { email: 'old@example.com', email_verified: 'true' }, finalUserStatus: 'CONFIRMED', messageAction: 'SUPPRESS' } }
        : { errorMessage: 'bad credentials in the old system', errorType: 'Error' },
    );
    const { poolId, ClientId } = await pool({ UserMigration: url });
    const signIn = (PASSWORD: string) => s.anonymous.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'olduser', PASSWORD } }));
    await expectError(signIn('Wrong-Passw0rd!'), 'NotAuthorizedException', 'Incorrect username or password.');
    await expectError(s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'olduser' })), 'UserNotFoundException');
    const first = await signIn('Legacy-Passw0rd!');
    expect(first.AuthenticationResult).toBeDefined();
    expect(events.at(-1)).toMatchObject({ triggerSource: 'UserMigration_Authentication', userName: 'olduser' });
    const migrated = await s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'olduser' }));
    expect(migrated.UserStatus).toBe('CONFIRMED');
    expect(migrated.UserAttributes).toContainEqual({ Name: 'email', Value: 'old@example.com' });
    const calls = events.length;
    expect((await signIn('Legacy-Passw0rd!')).AuthenticationResult).toBeDefined();
    expect(events.length).toBe(calls);
  });

  it('CUSTOM_AUTH runs DefineAuthChallenge, CreateAuthChallenge and VerifyAuthChallengeResponse round by round', async () => {
    // A secret-word challenge with three tries, as in AWS's custom auth examples.
    answers.set('DefineAuthChallenge_Authentication', (e) => {
      const session = e.request.session as Array<{ challengeResult: boolean }>;
      const last = session.at(-1);
      const response = last?.challengeResult
        ? { issueTokens: true, failAuthentication: false }
        : session.length >= 3
          ? { issueTokens: false, failAuthentication: true }
          : { challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false };
      return { ...e, response };
    });
    answers.set('CreateAuthChallenge_Authentication', (e) => ({ ...e, response: { publicChallengeParameters: { hint: 'colour of the sky' }, privateChallengeParameters: { answer: 'blue' }, challengeMetadata: 'SKY' } }));
    answers.set('VerifyAuthChallengeResponse_Authentication', (e) => ({ ...e, response: { answerCorrect: e.request.challengeAnswer === e.request.privateChallengeParameters.answer } }));
    answers.set('PreSignUp_SignUp', (e) => ({ ...e, response: { autoConfirmUser: true, autoVerifyEmail: false, autoVerifyPhone: false } }));
    const poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'custom-auth', LambdaConfig: { PreSignUp: url, DefineAuthChallenge: url, CreateAuthChallenge: url, VerifyAuthChallengeResponse: url } }))).UserPool!.Id!;
    const ClientId = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_USER_PASSWORD_AUTH'] }))).UserPoolClient!.ClientId!;
    await signUp(ClientId, 'fay');
    const start = () => s.anonymous.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'fay' } }));
    const answer = (Session: string, ANSWER: string) => s.anonymous.send(new RespondToAuthChallengeCommand({ ClientId, ChallengeName: 'CUSTOM_CHALLENGE', Session, ChallengeResponses: { USERNAME: 'fay', ANSWER } }));

    const first = await start();
    expect(first).toMatchObject({ ChallengeName: 'CUSTOM_CHALLENGE', ChallengeParameters: { hint: 'colour of the sky', USERNAME: 'fay' } });
    const second = await answer(first.Session!, 'green');
    expect(second.ChallengeName).toBe('CUSTOM_CHALLENGE');
    // A Session is answered once.
    await expectError(answer(first.Session!, 'blue'), 'NotAuthorizedException', 'Invalid session for the user.');
    const done = await answer(second.Session!, 'blue');
    expect(done.AuthenticationResult?.IdToken).toBeDefined();
    expect(events.filter((e) => e.triggerSource === 'DefineAuthChallenge_Authentication').at(-1)!.request.session).toEqual([
      { challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: 'SKY' },
      { challengeName: 'CUSTOM_CHALLENGE', challengeResult: true, challengeMetadata: 'SKY' },
    ]);

    let step = await start();
    for (const wrong of ['red', 'grey']) step = await answer(step.Session!, wrong);
    await expectError(answer(step.Session!, 'black'), 'NotAuthorizedException', 'Incorrect username or password.');
  });

  it('CUSTOM_AUTH is refused for a pool without the custom auth triggers and for a client that does not allow it', async () => {
    const { ClientId } = await pool({});
    await expectError(s.anonymous.send(new InitiateAuthCommand({ ClientId, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'x' } })), 'InvalidParameterException', /CUSTOM_AUTH flow not enabled/);
    const poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'no-triggers' }))).UserPool!.Id!;
    const allowed = (await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH'] }))).UserPoolClient!.ClientId!;
    await expectError(s.anonymous.send(new InitiateAuthCommand({ ClientId: allowed, AuthFlow: 'CUSTOM_AUTH', AuthParameters: { USERNAME: 'x' } })), 'InvalidParameterException', 'Custom auth lambda trigger is not configured for the user pool.');
  });

  it('CustomMessage writes the sign-up and forgot-password messages, with the code put in by Tessera', async () => {
    answers.delete('PreSignUp_SignUp');
    answers.set('CustomMessage_SignUp', (e) => ({ ...e, response: { emailSubject: 'Welcome aboard', emailMessage: `Hello ${e.request.userAttributes.email}, your code is ${e.request.codeParameter}.` } }));
    answers.set('CustomMessage_ForgotPassword', (e) => ({ ...e, response: { emailSubject: 'Reset', emailMessage: `Reset with ${e.request.codeParameter}` } }));
    const { ClientId } = await pool({ CustomMessage: url });
    await signUp(ClientId, 'gia');
    const [welcome] = await s.tessera.outbox.list({ destination: 'gia@example.com' });
    expect(welcome).toMatchObject({ subject: 'Welcome aboard', body: expect.stringMatching(/^Hello gia@example\.com, your code is \d{6}\.$/) });
    expect(welcome!.body).toContain(welcome!.code!);
    expect(events.at(-1)).toMatchObject({ triggerSource: 'CustomMessage_SignUp', request: { codeParameter: '{####}' } });
    await s.anonymous.send(new ConfirmSignUpCommand({ ClientId, Username: 'gia', ConfirmationCode: welcome!.code! }));
    await s.anonymous.send(new ForgotPasswordCommand({ ClientId, Username: 'gia' }));
    const [reset] = await s.tessera.outbox.list({ destination: 'gia@example.com' });
    expect(reset).toMatchObject({ subject: 'Reset', body: `Reset with ${reset!.code}` });
  });

  it('refuses a CustomMessage answer that leaves out the code', async () => {
    answers.set('CustomMessage_SignUp', (e) => ({ ...e, response: { emailMessage: 'No code here' } }));
    const { ClientId } = await pool({ CustomMessage: url });
    await expectError(signUp(ClientId, 'hal'), 'InvalidParameterException');
  });

  it('PreSignUp also guards AdminCreateUser, with its own trigger source', async () => {
    answers.set('PreSignUp_AdminCreateUser', (e) => (e.userName === 'blocked' ? { errorMessage: 'not on the list', errorType: 'Error' } : e));
    const { poolId } = await pool({ PreSignUp: url });
    await expectError(s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'blocked', MessageAction: 'SUPPRESS' })), 'UserLambdaValidationException', /^PreSignUp failed with error not on the list/);
    await expectError(s.admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'blocked' })), 'UserNotFoundException');
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'welcome', MessageAction: 'SUPPRESS' }));
    expect(events.at(-1)).toMatchObject({ triggerSource: 'PreSignUp_AdminCreateUser', userName: 'welcome', callerContext: { clientId: 'CLIENT_ID_NOT_APPLICABLE' } });
  });
});
