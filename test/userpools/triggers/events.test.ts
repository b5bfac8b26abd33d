import { describe, expect, it } from 'vitest';
import type { Group, User, UserPool } from '../../../src/userpools/model.ts';
import { postAuthenticationEvent, preAuthenticationEvent } from '../../../src/userpools/triggers/authentication-events.ts';
import { createAuthChallengeEvent, defineAuthChallengeEvent, verifyAuthChallengeResponseEvent } from '../../../src/userpools/triggers/custom-auth.ts';
import { customMessageEvent } from '../../../src/userpools/triggers/custom-message.ts';
import { awsSdkVersionOf, CLIENT_ID_NOT_APPLICABLE, triggerUserAttributes, type TriggerCaller } from '../../../src/userpools/triggers/event-common.ts';
import { groupConfigurationOf, preTokenGenerationEvent } from '../../../src/userpools/triggers/pre-token-generation.ts';
import { postConfirmationEvent, preSignUpEvent } from '../../../src/userpools/triggers/sign-up.ts';
import { userMigrationEvent } from '../../../src/userpools/triggers/user-migration.ts';

/*
 * Expected events are AWS's documented examples (the Cognito developer guide's parameter listings,
 * the sample events AWS publishes in its Lambda event libraries, and real first-call events), with
 * the placeholders they use as caller values, so the builders must reproduce them member by member.
 */
const placeholders: TriggerCaller = {
  region: '<region>',
  userPoolId: '<userPoolId>',
  userName: '<userName>',
  clientId: '<apps client id>',
  awsSdkVersion: '<calling aws sdk with version>',
};
const common = {
  version: '1',
  region: '<region>',
  userPoolId: '<userPoolId>',
  userName: '<userName>',
  callerContext: { awsSdkVersion: '<calling aws sdk with version>', clientId: '<apps client id>' },
};
const exampleMetadata = { exampleMetadataKey: 'example metadata value' };

describe('the common members of every trigger event', () => {
  it('are exactly version, triggerSource, region, userPoolId, userName, callerContext, request and response', () => {
    const event = postConfirmationEvent(placeholders, { source: 'PostConfirmation_ConfirmSignUp', userAttributes: {} });
    expect(Object.keys(event).sort()).toEqual(['callerContext', 'region', 'request', 'response', 'triggerSource', 'userName', 'userPoolId', 'version']);
    expect(Object.keys(event.callerContext).sort()).toEqual(['awsSdkVersion', 'clientId']);
  });

  it("default callerContext.awsSdkVersion to Cognito's aws-sdk-unknown-unknown", () => {
    const event = postConfirmationEvent({ ...placeholders, awsSdkVersion: undefined }, { source: 'PostConfirmation_ConfirmSignUp', userAttributes: {} });
    expect(event.callerContext.awsSdkVersion).toBe('aws-sdk-unknown-unknown');
  });

  it('take the SDK name and version from an AWS SDK user agent', () => {
    expect(awsSdkVersionOf('aws-sdk-js/3.654.0 ua/2.1 os/linux#6.1 lang/js md/nodejs#20.19.0 api/cognito-identity-provider#3.654.0')).toBe('aws-sdk-js-3.654.0');
    expect(awsSdkVersionOf('Mozilla/5.0 (X11; Linux x86_64)')).toBe('aws-sdk-unknown-unknown');
    expect(awsSdkVersionOf(undefined)).toBe('aws-sdk-unknown-unknown');
  });
});

describe('the pre sign-up event', () => {
  it("matches AWS's example, with the all-false response Cognito sends", () => {
    const event = preSignUpEvent(placeholders, {
      source: 'PreSignUp_SignUp',
      userAttributes: { email: '<email>', phone_number: '<phone_number>' },
      validationData: { k1: 'v1', k2: 'v2' },
      clientMetadata: exampleMetadata,
    });
    expect(event).toEqual({
      ...common,
      triggerSource: 'PreSignUp_SignUp',
      request: { userAttributes: { email: '<email>', phone_number: '<phone_number>' }, validationData: { k1: 'v1', k2: 'v2' }, clientMetadata: exampleMetadata },
      response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    });
  });

  it('for AdminCreateUser has validationData null, no clientMetadata and CLIENT_ID_NOT_APPLICABLE, as a real event does', () => {
    const event = preSignUpEvent(
      { region: 'eu-west-1', userPoolId: 'eu-west-1_EXAMPLE', userName: 'user1', clientId: CLIENT_ID_NOT_APPLICABLE, awsSdkVersion: 'aws-sdk-unknown-unknown' },
      { source: 'PreSignUp_AdminCreateUser', userAttributes: { sub: '11111111-2222-3333-4444-555555555555', email_verified: 'true', 'cognito:user_status': 'CONFIRMED', email: 'user@example.com' } },
    );
    expect(event).toEqual({
      version: '1',
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_EXAMPLE',
      userName: 'user1',
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'CLIENT_ID_NOT_APPLICABLE' },
      triggerSource: 'PreSignUp_AdminCreateUser',
      request: { userAttributes: { sub: '11111111-2222-3333-4444-555555555555', email_verified: 'true', 'cognito:user_status': 'CONFIRMED', email: 'user@example.com' }, validationData: null },
      response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
    });
  });
});

describe('the post confirmation event', () => {
  it("matches AWS's example, with an empty response", () => {
    const event = postConfirmationEvent(placeholders, { source: 'PostConfirmation_ConfirmSignUp', userAttributes: { email: '<email>', phone_number: '<phone_number>' }, clientMetadata: exampleMetadata });
    expect(event).toEqual({
      ...common,
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      request: { userAttributes: { email: '<email>', phone_number: '<phone_number>' }, clientMetadata: exampleMetadata },
      response: {},
    });
  });
});

describe('the pre authentication event', () => {
  it("matches AWS's example: validationData, no userNotFound unless given, empty response", () => {
    const event = preAuthenticationEvent(placeholders, { userAttributes: { email: '<email>' }, validationData: { k1: 'v1', k2: 'v2' } });
    expect(event).toEqual({ ...common, triggerSource: 'PreAuthentication_Authentication', request: { userAttributes: { email: '<email>' }, validationData: { k1: 'v1', k2: 'v2' } }, response: {} });
  });

  it('carries userNotFound for clients that prevent user existence errors', () => {
    const event = preAuthenticationEvent(placeholders, { userAttributes: {}, userNotFound: true });
    expect(event.request).toEqual({ userAttributes: {}, validationData: null, userNotFound: true });
  });
});

describe('the post authentication event', () => {
  it("matches AWS's example with newDeviceUsed and clientMetadata", () => {
    const event = postAuthenticationEvent(placeholders, { userAttributes: { email: '<email>', phone_number: '<phone_number>' }, newDeviceUsed: true, clientMetadata: exampleMetadata });
    expect(event).toEqual({
      ...common,
      triggerSource: 'PostAuthentication_Authentication',
      request: { newDeviceUsed: true, userAttributes: { email: '<email>', phone_number: '<phone_number>' }, clientMetadata: exampleMetadata },
      response: {},
    });
  });
});

describe('the user migration event', () => {
  const nullResponse = { userAttributes: null, finalUserStatus: null, messageAction: null, desiredDeliveryMediums: null, forceAliasCreation: null, enableSMSMFA: null };

  it("matches AWS's example at sign-in: the typed password, no userAttributes in the request, an all-null response", () => {
    const event = userMigrationEvent(placeholders, { source: 'UserMigration_Authentication', password: '<password>', validationData: exampleMetadata, clientMetadata: exampleMetadata });
    expect(event).toEqual({
      ...common,
      triggerSource: 'UserMigration_Authentication',
      request: { password: '<password>', validationData: exampleMetadata, clientMetadata: exampleMetadata },
      response: nullResponse,
    });
  });

  it('carries no password in the forgot-password flow', () => {
    const event = userMigrationEvent(placeholders, { source: 'UserMigration_ForgotPassword', clientMetadata: exampleMetadata });
    expect(event.request).toEqual({ validationData: null, clientMetadata: exampleMetadata });
    expect(event.response).toEqual(nullResponse);
  });
});

describe('the custom message event', () => {
  it("matches AWS's sign-up example: {####}, no username parameter, an all-null response", () => {
    const event = customMessageEvent(placeholders, { source: 'CustomMessage_SignUp', userAttributes: { email: 'user@example.com', email_verified: 'false' } });
    expect(event).toEqual({
      ...common,
      triggerSource: 'CustomMessage_SignUp',
      request: { userAttributes: { email: 'user@example.com', email_verified: 'false' }, codeParameter: '{####}', linkParameter: null, usernameParameter: null },
      response: { smsMessage: null, emailMessage: null, emailSubject: null },
    });
  });

  it('carries the {username} parameter for AdminCreateUser', () => {
    const event = customMessageEvent(placeholders, { source: 'CustomMessage_AdminCreateUser', userAttributes: {}, clientMetadata: exampleMetadata });
    expect(event.request).toEqual({ userAttributes: {}, codeParameter: '{####}', linkParameter: null, usernameParameter: '{username}', clientMetadata: exampleMetadata });
  });

  it('carries the link parameter when the pool verifies by link', () => {
    const event = customMessageEvent(placeholders, { source: 'CustomMessage_SignUp', userAttributes: {}, linkParameter: '{##Click Here##}' });
    expect(event.request.linkParameter).toBe('{##Click Here##}');
  });
});

describe('the custom authentication events', () => {
  const caller: TriggerCaller = { region: 'us-west-2', userPoolId: '<userPoolId>', userName: '<userName>', clientId: '<clientId>', awsSdkVersion: 'aws-sdk-unknown-unknown' };
  const challengeCommon = { version: '1', region: 'us-west-2', userPoolId: '<userPoolId>', userName: '<userName>', callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '<clientId>' } };
  const attributes = { sub: '<sub>', 'cognito:user_status': 'CONFIRMED', phone_number_verified: 'true', 'cognito:phone_number_alias': '+12223334455', phone_number: '+12223334455' };
  const session = [{ challengeName: 'PASSWORD_VERIFIER' as const, challengeResult: true, challengeMetadata: 'metadata' }];

  it("define auth challenge matches AWS's example with an all-null response", () => {
    const event = defineAuthChallengeEvent(caller, { userAttributes: attributes, session, clientMetadata: exampleMetadata, userNotFound: false });
    expect(event).toEqual({
      ...challengeCommon,
      triggerSource: 'DefineAuthChallenge_Authentication',
      request: { userAttributes: attributes, session, clientMetadata: exampleMetadata, userNotFound: false },
      response: { challengeName: null, issueTokens: null, failAuthentication: null },
    });
  });

  it('define auth challenge starts a CUSTOM_AUTH flow with an empty session, as a real first call does', () => {
    const event = defineAuthChallengeEvent(caller, { userAttributes: { sub: 's' }, session: [] });
    expect(event.request).toEqual({ userAttributes: { sub: 's' }, session: [] });
  });

  it("create auth challenge matches AWS's example with an all-null response", () => {
    const event = createAuthChallengeEvent(caller, { userAttributes: attributes, challengeName: 'CUSTOM_CHALLENGE', session, clientMetadata: exampleMetadata, userNotFound: true });
    expect(event).toEqual({
      ...challengeCommon,
      triggerSource: 'CreateAuthChallenge_Authentication',
      request: { userAttributes: attributes, challengeName: 'CUSTOM_CHALLENGE', session, clientMetadata: exampleMetadata, userNotFound: true },
      response: { publicChallengeParameters: null, privateChallengeParameters: null, challengeMetadata: null },
    });
  });

  it("verify auth challenge response matches AWS's example: the answer as a string, answerCorrect null", () => {
    const event = verifyAuthChallengeResponseEvent(caller, {
      userAttributes: attributes,
      privateChallengeParameters: { secret: '11122233' },
      challengeAnswer: '123xxxx',
      clientMetadata: exampleMetadata,
      userNotFound: false,
    });
    expect(event).toEqual({
      ...challengeCommon,
      triggerSource: 'VerifyAuthChallengeResponse_Authentication',
      request: { userAttributes: attributes, privateChallengeParameters: { secret: '11122233' }, challengeAnswer: '123xxxx', clientMetadata: exampleMetadata, userNotFound: false },
      response: { answerCorrect: null },
    });
  });
});

describe('the pre token generation event', () => {
  const caller: TriggerCaller = { region: 'region', userPoolId: 'userPoolId', userName: 'userName', clientId: 'apps client id', awsSdkVersion: 'calling aws sdk with version' };
  const groupConfiguration = {
    groupsToOverride: ['group-A', 'group-B', 'group-C'],
    iamRolesToOverride: ['arn:aws:iam::XXXXXXXXXXXX:role/sns_callerA', 'arn:aws:iam::XXXXXXXXX:role/sns_callerB', 'arn:aws:iam::XXXXXXXXXX:role/sns_callerC'],
    preferredRole: 'arn:aws:iam::XXXXXXXXXXX:role/sns_caller',
  };
  const expectedCommon = { region: 'region', userPoolId: 'userPoolId', userName: 'userName', callerContext: { awsSdkVersion: 'calling aws sdk with version', clientId: 'apps client id' } };

  it("in V1_0 matches AWS's incoming example: no scopes, claimsOverrideDetails null", () => {
    const event = preTokenGenerationEvent(caller, {
      source: 'TokenGeneration_Authentication',
      lambdaVersion: 'V1_0',
      userAttributes: { email: 'email', phone_number: 'phone_number' },
      groupConfiguration,
      scopes: ['aws.cognito.signin.user.admin'],
      clientMetadata: exampleMetadata,
    });
    expect(event).toEqual({
      ...expectedCommon,
      version: '1',
      triggerSource: 'TokenGeneration_Authentication',
      request: { userAttributes: { email: 'email', phone_number: 'phone_number' }, groupConfiguration, clientMetadata: exampleMetadata },
      response: { claimsOverrideDetails: null },
    });
  });

  it("in V2_0 matches AWS's example: version 2, the scopes, claimsAndScopeOverrideDetails null", () => {
    const event = preTokenGenerationEvent(caller, {
      source: 'TokenGeneration_HostedAuth',
      lambdaVersion: 'V2_0',
      userAttributes: { email: 'email', phone_number: 'phone_number' },
      groupConfiguration,
      scopes: ['scope-1', 'scope-2'],
      clientMetadata: exampleMetadata,
    });
    expect(event).toEqual({
      ...expectedCommon,
      version: '2',
      triggerSource: 'TokenGeneration_HostedAuth',
      request: { userAttributes: { email: 'email', phone_number: 'phone_number' }, scopes: ['scope-1', 'scope-2'], groupConfiguration, clientMetadata: exampleMetadata },
      response: { claimsAndScopeOverrideDetails: null },
    });
  });

  it('in V3_0 is version 3 and carries the scopes', () => {
    const event = preTokenGenerationEvent(caller, { source: 'TokenGeneration_ClientCredentials', lambdaVersion: 'V3_0', userAttributes: {}, groupConfiguration, scopes: ['api/read'] });
    expect(event.version).toBe('3');
    expect(event.request.scopes).toEqual(['api/read']);
  });

  it('presents a user without groups as empty lists and a null preferred role', () => {
    expect(groupConfigurationOf([])).toEqual({ groupsToOverride: [], iamRolesToOverride: [], preferredRole: null });
  });

  it('presents groups in token order with their roles and the preferred role the tokens carry', () => {
    const group = (name: string, precedence: number | null, roleArn: string | null): Group => ({ poolId: 'p', name, description: null, roleArn, precedence, createdAt: 0, updatedAt: 0 });
    expect(groupConfigurationOf([group('admins', 1, 'arn:aws:iam::1:role/a'), group('readers', 5, 'arn:aws:iam::1:role/b'), group('plain', 9, null)])).toEqual({
      groupsToOverride: ['admins', 'readers', 'plain'],
      iamRolesToOverride: ['arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b'],
      preferredRole: 'arn:aws:iam::1:role/a',
    });
  });
});

describe('the userAttributes of a stored user', () => {
  const user: User = {
    id: 'a36036a8-9061-424d-a737-56d57dae7bbc',
    poolId: 'us-east-1_EXAMPLE',
    username: 'JaneDoe',
    status: 'CONFIRMED',
    enabled: true,
    passwordHash: null,
    srp: null,
    passwordUpdatedAt: null,
    attributes: { sub: 'a36036a8-9061-424d-a737-56d57dae7bbc', email: 'testuser@example.com', email_verified: 'true' },
    createdAt: 0,
    updatedAt: 0,
  };
  const pool = (aliases: Array<'email' | 'phone_number'>): UserPool => ({ id: 'us-east-1_EXAMPLE', name: 'p', createdAt: 0, updatedAt: 0, settings: { AliasAttributes: aliases } as UserPool['settings'] });

  it('carry the attributes as strings with sub and cognito:user_status, as in the V2 example', () => {
    expect(triggerUserAttributes(user, pool([]))).toEqual({ sub: 'a36036a8-9061-424d-a737-56d57dae7bbc', 'cognito:user_status': 'CONFIRMED', email_verified: 'true', email: 'testuser@example.com' });
  });

  it('mark a verified email alias with cognito:email_alias', () => {
    expect(triggerUserAttributes(user, pool(['email']))['cognito:email_alias']).toBe('testuser@example.com');
  });

  it('do not mark an unverified email as an alias', () => {
    const unverified = { ...user, attributes: { ...user.attributes, email_verified: 'false' } };
    expect(triggerUserAttributes(unverified, pool(['email']))).not.toHaveProperty('cognito:email_alias');
  });
});
