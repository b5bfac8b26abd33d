import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Group, UserPool } from '../../../src/userpools/model.ts';
import { configuredTarget, parseTarget, preTokenGenerationVersion } from '../../../src/userpools/triggers/lambda-config.ts';
import { TriggerRunner } from '../../../src/userpools/triggers/trigger-runner.ts';
import { UserPoolTriggers } from '../../../src/userpools/triggers/user-pool-triggers.ts';
import { expectError } from '../../support/expect-error.ts';
import { recordedCalls, resetRecordedCalls } from './recorded-calls.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const triggers = new UserPoolTriggers({ region: 'eu-west-1', baseDir: FIXTURES, moduleDirs: [FIXTURES], timeoutMs: 1000 });
const call = { userName: 'jane', clientId: 'client123', awsSdkVersion: 'aws-sdk-js-3.654.0' };

function pool(LambdaConfig: Record<string, unknown> | undefined): UserPool {
  return { id: 'eu-west-1_Triggers1', name: 'p', createdAt: 0, updatedAt: 0, settings: { LambdaConfig } as UserPool['settings'] };
}


beforeEach(() => {
  resetRecordedCalls();
});

describe('finding a trigger in LambdaConfig', () => {
  it('reads each trigger under its Cognito key', () => {
    expect(configuredTarget({ PreSignUp: './a.mjs', CustomMessage: 'https://hooks.example/msg' }, 'PreSignUp')).toBe('./a.mjs');
    expect(configuredTarget({ PreSignUp: './a.mjs', CustomMessage: 'https://hooks.example/msg' }, 'CustomMessage')).toBe('https://hooks.example/msg');
  });

  it('has no trigger for a missing key, an empty string or a non-string', () => {
    expect(configuredTarget(undefined, 'PreSignUp')).toBeUndefined();
    expect(configuredTarget({}, 'PreSignUp')).toBeUndefined();
    expect(configuredTarget({ PreSignUp: '' }, 'PreSignUp')).toBeUndefined();
    expect(configuredTarget({ PreSignUp: 42 }, 'PreSignUp')).toBeUndefined();
  });

  it('takes the pre token generation target from PreTokenGenerationConfig before the legacy key', () => {
    expect(configuredTarget({ PreTokenGeneration: './legacy.mjs', PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: './v2.mjs' } }, 'PreTokenGeneration')).toBe('./v2.mjs');
    expect(configuredTarget({ PreTokenGeneration: './legacy.mjs' }, 'PreTokenGeneration')).toBe('./legacy.mjs');
  });

  it('gives the legacy key the V1_0 event, and PreTokenGenerationConfig the version it names', () => {
    expect(preTokenGenerationVersion({ PreTokenGeneration: './legacy.mjs' })).toBe('V1_0');
    expect(preTokenGenerationVersion({ PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: './v2.mjs' } })).toBe('V2_0');
    expect(preTokenGenerationVersion({ PreTokenGenerationConfig: { LambdaVersion: 'V3_0', LambdaArn: './v3.mjs' } })).toBe('V3_0');
    expect(preTokenGenerationVersion(undefined)).toBe('V1_0');
  });
});

describe('reading a trigger target', () => {
  it.each([
    { value: 'https://hooks.example/pre-sign-up', expected: { kind: 'http', url: 'https://hooks.example/pre-sign-up' } },
    { value: 'http://127.0.0.1:9000/2015-03-31/functions/function/invocations', expected: { kind: 'http', url: 'http://127.0.0.1:9000/2015-03-31/functions/function/invocations' } },
    { value: 'arn:aws:lambda:eu-west-1:123456789012:function:f', expected: { kind: 'lambda-arn', arn: 'arn:aws:lambda:eu-west-1:123456789012:function:f' } },
    { value: './triggers/pre.mjs', expected: { kind: 'module', path: '/srv/config/triggers/pre.mjs', exportName: 'handler' } },
    { value: 'triggers/pre.ts', expected: { kind: 'module', path: '/srv/config/triggers/pre.ts', exportName: 'handler' } },
    { value: '/opt/triggers/index.js#preSignUp', expected: { kind: 'module', path: '/opt/triggers/index.js', exportName: 'preSignUp' } },
    { value: 'file:///opt/triggers/index.mjs', expected: { kind: 'module', path: '/opt/triggers/index.mjs', exportName: 'handler' } },
    { value: 's3://bucket/trigger.zip', expected: { kind: 'unsupported', value: 's3://bucket/trigger.zip' } },
  ])('reads $value', ({ value, expected }) => {
    expect(parseTarget(value, '/srv/config')).toEqual(expected);
  });
});

describe('a pool without the trigger', () => {
  it('runs nothing and returns undefined', async () => {
    expect(await triggers.preSignUp(pool({ PostConfirmation: './handlers.mjs' }), call, { source: 'PreSignUp_SignUp', userAttributes: {} })).toBeUndefined();
    expect(await triggers.preTokenGeneration(pool(undefined), call, { source: 'TokenGeneration_Authentication', userAttributes: {}, groups: [], plan: { idClaims: {}, accessClaims: {}, groups: [], scopes: [] } })).toBeUndefined();
    expect(recordedCalls()).toEqual([]);
  });

  it('reports whether a trigger is configured', () => {
    expect(triggers.has(pool({ PreSignUp: './handlers.mjs' }), 'PreSignUp')).toBe(true);
    expect(triggers.has(pool({ PreSignUp: './handlers.mjs' }), 'PostConfirmation')).toBe(false);
  });
});

describe('running the pool triggers', () => {
  it('runs pre sign-up with the pool id, region and caller, and returns its decision', async () => {
    const result = await triggers.preSignUp(pool({ PreSignUp: './handlers.mjs' }), call, { source: 'PreSignUp_SignUp', userAttributes: { email: 'jane@example.com' } });
    expect(result).toEqual({ autoConfirmUser: true, autoVerifyEmail: false, autoVerifyPhone: false });
    expect(recordedCalls()[0]!.event).toMatchObject({
      version: '1',
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_Triggers1',
      userName: 'jane',
      callerContext: { awsSdkVersion: 'aws-sdk-js-3.654.0', clientId: 'client123' },
    });
  });

  it('runs post authentication and accepts its empty response', async () => {
    await triggers.postAuthentication(pool({ PostAuthentication: './handlers.mjs#postAuthentication' }), call, { userAttributes: { sub: 's' }, newDeviceUsed: false });
    expect(recordedCalls()[0]!.event).toMatchObject({ triggerSource: 'PostAuthentication_Authentication', request: { newDeviceUsed: false } });
  });

  it('refuses a post trigger that puts something in its response', async () => {
    await expectError(
      triggers.postConfirmation(pool({ PostConfirmation: './handlers.mjs#unknownResponseMember' }), call, { source: 'PostConfirmation_ConfirmSignUp', userAttributes: {} }),
      'InvalidLambdaResponseException',
      'Unrecognizable lambda output',
    );
  });

  it('runs custom message for an invitation and returns the message with its placeholders', async () => {
    const result = await triggers.customMessage(pool({ CustomMessage: './handlers.mjs#customMessage' }), call, { source: 'CustomMessage_AdminCreateUser', userAttributes: {} });
    expect(result).toEqual({ emailSubject: 'Welcome', emailMessage: 'Hello {username}, your password is {####}' });
  });

  it('runs user migration with the typed password and returns the user to create', async () => {
    const migrate = pool({ UserMigration: './handlers.mjs#migrate' });
    const result = await triggers.userMigration(migrate, { ...call, userName: 'legacy-jane' }, { source: 'UserMigration_Authentication', password: 'legacy-secret' });
    expect(result).toMatchObject({ userAttributes: { email: 'legacy-jane@example.com', email_verified: 'true' }, finalUserStatus: 'CONFIRMED', messageAction: 'SUPPRESS' });
    await expectError(triggers.userMigration(migrate, call, { source: 'UserMigration_Authentication', password: 'wrong' }), 'UserLambdaValidationException', 'UserMigration failed with error Bad password.');
  });

  it('runs a custom challenge through define, create and verify', async () => {
    const custom = pool({ DefineAuthChallenge: './handlers.mjs#customChallenge', CreateAuthChallenge: './handlers.mjs#customChallenge', VerifyAuthChallengeResponse: './handlers.mjs#customChallenge' });
    const attrs = { sub: 's' };
    expect(await triggers.defineAuthChallenge(custom, call, { userAttributes: attrs, session: [] })).toEqual({ kind: 'challenge', challengeName: 'CUSTOM_CHALLENGE' });
    const created = await triggers.createAuthChallenge(custom, call, { userAttributes: attrs, challengeName: 'CUSTOM_CHALLENGE', session: [] });
    expect(created).toEqual({ publicChallengeParameters: { question: '2 + 2' }, privateChallengeParameters: { answer: '4' }, challengeMetadata: 'ARITHMETIC' });
    expect(await triggers.verifyAuthChallengeResponse(custom, call, { userAttributes: attrs, privateChallengeParameters: created!.privateChallengeParameters, challengeAnswer: '5' })).toBe(false);
    expect(await triggers.verifyAuthChallengeResponse(custom, call, { userAttributes: attrs, privateChallengeParameters: created!.privateChallengeParameters, challengeAnswer: '4' })).toBe(true);
    const session = [{ challengeName: 'CUSTOM_CHALLENGE' as const, challengeResult: true, challengeMetadata: 'ARITHMETIC' }];
    expect(await triggers.defineAuthChallenge(custom, call, { userAttributes: attrs, session })).toEqual({ kind: 'issueTokens' });
  });
});

describe('running pre token generation', () => {
  const group = (name: string, precedence: number, roleArn: string | null): Group => ({ poolId: 'p', name, description: null, roleArn, precedence, createdAt: 0, updatedAt: 0 });
  const groups = [group('admins', 1, 'arn:aws:iam::1:role/admin')];
  const plan = {
    idClaims: { email: 'jane@example.com', 'cognito:roles': ['arn:aws:iam::1:role/admin'], 'cognito:preferred_role': 'arn:aws:iam::1:role/admin' },
    accessClaims: {},
    groups: ['admins'],
    scopes: ['openid', 'aws.cognito.signin.user.admin'],
  };
  const userAttributes = { sub: 's', email: 'jane@example.com', 'custom:tenant': 'acme' };

  it('sends the V2_0 event and applies the response to both tokens', async () => {
    const v2 = pool({ PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: './handlers.mjs#preTokenV2' } });
    const result = await triggers.preTokenGeneration(v2, call, { source: 'TokenGeneration_Authentication', userAttributes, groups, plan });
    expect(recordedCalls()[0]!.event).toMatchObject({
      version: '2',
      triggerSource: 'TokenGeneration_Authentication',
      request: { userAttributes, scopes: ['openid', 'aws.cognito.signin.user.admin'], groupConfiguration: { groupsToOverride: ['admins'], iamRolesToOverride: ['arn:aws:iam::1:role/admin'], preferredRole: 'arn:aws:iam::1:role/admin' } },
      response: { claimsAndScopeOverrideDetails: null },
    });
    expect(result).toEqual({
      idClaims: { tenant: 'acme' },
      accessClaims: { tenant_ids: ['t1', 't2'] },
      groups: ['tenant-admins'],
      scopes: ['openid', 'api/read'],
      ignored: [{ token: 'id', action: 'add', name: 'sub', reason: 'reserved claim' }],
    });
  });

  it('sends the V1_0 event for the legacy PreTokenGeneration key', async () => {
    const result = await triggers.preTokenGeneration(pool({ PreTokenGeneration: './handlers.mjs#preTokenV1' }), call, { source: 'TokenGeneration_RefreshTokens', userAttributes, groups, plan });
    const event = recordedCalls()[0]!.event as { version: string; request: Record<string, unknown> };
    expect(event.version).toBe('1');
    expect(event.request).not.toHaveProperty('scopes');
    expect(result!.idClaims).toEqual({ ...plan.idClaims, plan: 'gold' });
  });

  it('runs for client credentials only in V3_0', async () => {
    const input = { source: 'TokenGeneration_ClientCredentials' as const, userAttributes: {}, groups: [], plan: { idClaims: {}, accessClaims: {}, groups: [], scopes: ['m2m/read'] } };
    expect(await triggers.preTokenGeneration(pool({ PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: './handlers.mjs#preTokenV2' } }), call, input)).toBeUndefined();
    expect(recordedCalls()).toEqual([]);
    const result = await triggers.preTokenGeneration(pool({ PreTokenGenerationConfig: { LambdaVersion: 'V3_0', LambdaArn: './handlers.mjs#preTokenV2' } }), call, input);
    expect((recordedCalls()[0]!.event as { version: string }).version).toBe('3');
    expect(result!.scopes).toEqual(['m2m/read', 'api/read']);
  });
});

describe('a module that changes on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-triggers-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is loaded again, so an edited trigger takes effect without a restart', async () => {
    const file = join(dir, 'pre.mjs');
    const runner = new TriggerRunner({ baseDir: dir, moduleDirs: [dir], timeoutMs: 1000 });
    const event = { request: {}, response: { autoConfirmUser: false } };
    await writeFile(file, 'export const handler = async (e) => { e.response.autoConfirmUser = false; return e; };');
    await utimes(file, new Date(1_000_000), new Date(1_000_000));
    expect(await runner.run('PreSignUp', './pre.mjs', event)).toEqual({ autoConfirmUser: false });
    await writeFile(file, 'export const handler = async (e) => { e.response.autoConfirmUser = true; return e; };');
    await utimes(file, new Date(2_000_000), new Date(2_000_000));
    expect(await runner.run('PreSignUp', './pre.mjs', event)).toEqual({ autoConfirmUser: true });
  });
});
