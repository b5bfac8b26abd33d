import { describe, expect, it } from 'vitest';
import { readCreateAuthChallengeResponse, readDefineAuthChallengeResponse, readVerifyAuthChallengeResponse } from '../../../src/userpools/triggers/custom-auth.ts';
import { customMessageEvent, readCustomMessageResponse } from '../../../src/userpools/triggers/custom-message.ts';
import { readEmptyResponse, readPreSignUpResponse } from '../../../src/userpools/triggers/sign-up.ts';
import { readUserMigrationResponse } from '../../../src/userpools/triggers/user-migration.ts';

const caller = { region: 'us-east-1', userPoolId: 'us-east-1_R', userName: 'alice', clientId: 'c' };

/** Runs a reader that must refuse, and returns the error's name and message. */
function refusal(read: () => unknown): { name: string; message: string } {
  try {
    read();
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('expected the response to be refused');
}

const UNRECOGNIZABLE = { name: 'InvalidLambdaResponseException', message: 'Unrecognizable lambda output' };

describe('reading a pre sign-up response', () => {
  it('takes the three flags the function set', () => {
    expect(readPreSignUpResponse({ autoConfirmUser: true, autoVerifyEmail: true, autoVerifyPhone: false }, 'PreSignUp_SignUp')).toEqual({ autoConfirmUser: true, autoVerifyEmail: true, autoVerifyPhone: false });
  });

  it('reads null or absent flags as false', () => {
    expect(readPreSignUpResponse({ autoConfirmUser: null }, 'PreSignUp_SignUp')).toEqual({ autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false });
  });

  it('reads "true" and "false" strings as booleans', () => {
    expect(readPreSignUpResponse({ autoConfirmUser: 'true', autoVerifyPhone: 'false' }, 'PreSignUp_SignUp').autoConfirmUser).toBe(true);
  });

  it('ignores the flags when the trigger fired for AdminCreateUser, as Cognito does', () => {
    expect(readPreSignUpResponse({ autoConfirmUser: true, autoVerifyEmail: true, autoVerifyPhone: true }, 'PreSignUp_AdminCreateUser')).toEqual({ autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false });
  });

  it('refuses a flag of another type', () => {
    expect(refusal(() => readPreSignUpResponse({ autoConfirmUser: 'yes' }, 'PreSignUp_SignUp'))).toEqual(UNRECOGNIZABLE);
  });

  it('refuses a member Cognito does not know', () => {
    expect(refusal(() => readPreSignUpResponse({ autoConfirmUser: true, autoConfirm: true }, 'PreSignUp_SignUp'))).toEqual(UNRECOGNIZABLE);
  });
});

describe('reading the response of a trigger that returns nothing', () => {
  it('accepts an empty response', () => {
    expect(() => readEmptyResponse({})).not.toThrow();
  });

  it('refuses anything in it', () => {
    expect(refusal(() => readEmptyResponse({ ok: true }))).toEqual(UNRECOGNIZABLE);
  });
});

describe('reading a custom message response', () => {
  const signUp = customMessageEvent(caller, { source: 'CustomMessage_SignUp', userAttributes: {} }).request;
  const adminCreate = customMessageEvent(caller, { source: 'CustomMessage_AdminCreateUser', userAttributes: {} }).request;

  it('takes messages that carry the code placeholder', () => {
    expect(readCustomMessageResponse({ smsMessage: 'Code {####}', emailMessage: '<p>Your code is {####}</p>', emailSubject: 'Welcome' }, signUp)).toEqual({
      smsMessage: 'Code {####}',
      emailMessage: '<p>Your code is {####}</p>',
      emailSubject: 'Welcome',
    });
  });

  it('leaves out what the function left null, so the pool message is used for it', () => {
    expect(readCustomMessageResponse({ smsMessage: null, emailMessage: 'Code {####}', emailSubject: null }, signUp)).toEqual({ emailMessage: 'Code {####}' });
  });

  it('refuses an email message without the code placeholder, naming the member and pattern', () => {
    const error = refusal(() => readCustomMessageResponse({ emailMessage: 'Welcome aboard' }, signUp));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe(
      "1 validation error detected: Value at 'emailMessage' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s*]*\\{####\\}[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s*]*",
    );
  });

  it('refuses an SMS message without the code placeholder', () => {
    expect(refusal(() => readCustomMessageResponse({ smsMessage: 'hello' }, signUp)).message).toContain("Value at 'smsMessage'");
  });

  it('requires the username placeholder too in an AdminCreateUser invitation', () => {
    expect(readCustomMessageResponse({ emailMessage: 'User {username}, password {####}' }, adminCreate)).toEqual({ emailMessage: 'User {username}, password {####}' });
    expect(refusal(() => readCustomMessageResponse({ emailMessage: 'Password {####}' }, adminCreate)).message).toContain('\\{username\\}');
  });

  it('accepts the link placeholder instead of the code in an email when the request had one', () => {
    const byLink = customMessageEvent(caller, { source: 'CustomMessage_SignUp', userAttributes: {}, linkParameter: '{##Click Here##}' }).request;
    expect(readCustomMessageResponse({ emailMessage: 'Confirm: {##Click Here##}' }, byLink)).toEqual({ emailMessage: 'Confirm: {##Click Here##}' });
  });

  it('refuses a message that is not a string', () => {
    expect(refusal(() => readCustomMessageResponse({ emailMessage: ['{####}'] }, signUp))).toEqual(UNRECOGNIZABLE);
  });
});

describe('reading a user migration response', () => {
  it('fills in Cognito defaults: CONFIRMED at sign-in, welcome message by SMS, no forced alias', () => {
    expect(readUserMigrationResponse({ userAttributes: { email: 'a@example.com', email_verified: 'true' }, finalUserStatus: null, messageAction: null }, 'UserMigration_Authentication')).toEqual({
      userAttributes: { email: 'a@example.com', email_verified: 'true' },
      finalUserStatus: 'CONFIRMED',
      messageAction: undefined,
      desiredDeliveryMediums: ['SMS'],
      forceAliasCreation: false,
      enableSMSMFA: false,
    });
  });

  it('takes every member the function set', () => {
    expect(
      readUserMigrationResponse(
        { userAttributes: { email: 'a@example.com' }, finalUserStatus: 'RESET_REQUIRED', messageAction: 'SUPPRESS', desiredDeliveryMediums: ['EMAIL'], forceAliasCreation: true, enableSMSMFA: true },
        'UserMigration_Authentication',
      ),
    ).toEqual({ userAttributes: { email: 'a@example.com' }, finalUserStatus: 'RESET_REQUIRED', messageAction: 'SUPPRESS', desiredDeliveryMediums: ['EMAIL'], forceAliasCreation: true, enableSMSMFA: true });
  });

  it('reads attribute values given as booleans as strings', () => {
    expect(readUserMigrationResponse({ userAttributes: { email_verified: true } }, 'UserMigration_Authentication').userAttributes).toEqual({ email_verified: 'true' });
  });

  it('makes the user reset the password in the forgot-password flow', () => {
    expect(readUserMigrationResponse({ userAttributes: { email: 'a@example.com' }, finalUserStatus: 'CONFIRMED' }, 'UserMigration_ForgotPassword').finalUserStatus).toBe('RESET_REQUIRED');
  });

  it('refuses a response without userAttributes', () => {
    expect(refusal(() => readUserMigrationResponse({ userAttributes: null, finalUserStatus: 'CONFIRMED' }, 'UserMigration_Authentication'))).toEqual(UNRECOGNIZABLE);
  });

  it('refuses a status, action or medium Cognito does not have', () => {
    expect(refusal(() => readUserMigrationResponse({ userAttributes: {}, finalUserStatus: 'ENABLED' }, 'UserMigration_Authentication'))).toEqual(UNRECOGNIZABLE);
    expect(refusal(() => readUserMigrationResponse({ userAttributes: {}, messageAction: 'SEND' }, 'UserMigration_Authentication'))).toEqual(UNRECOGNIZABLE);
    expect(refusal(() => readUserMigrationResponse({ userAttributes: {}, desiredDeliveryMediums: ['PIGEON'] }, 'UserMigration_Authentication'))).toEqual(UNRECOGNIZABLE);
  });

  it('refuses an attribute value that is an object', () => {
    expect(refusal(() => readUserMigrationResponse({ userAttributes: { address: { street: 'x' } } }, 'UserMigration_Authentication'))).toEqual(UNRECOGNIZABLE);
  });
});

describe('reading a define auth challenge response', () => {
  it('names the next challenge', () => {
    expect(readDefineAuthChallengeResponse({ challengeName: 'CUSTOM_CHALLENGE', issueTokens: false, failAuthentication: false })).toEqual({ kind: 'challenge', challengeName: 'CUSTOM_CHALLENGE' });
  });

  it('issues tokens', () => {
    expect(readDefineAuthChallengeResponse({ challengeName: null, issueTokens: true, failAuthentication: false })).toEqual({ kind: 'issueTokens' });
  });

  it('fails the authentication, even when it also says to issue tokens', () => {
    expect(readDefineAuthChallengeResponse({ issueTokens: true, failAuthentication: true })).toEqual({ kind: 'fail' });
  });

  it('refuses a response that decides nothing', () => {
    expect(refusal(() => readDefineAuthChallengeResponse({ challengeName: null, issueTokens: null, failAuthentication: null }))).toEqual(UNRECOGNIZABLE);
  });

  it('refuses a flag that is not a boolean', () => {
    expect(refusal(() => readDefineAuthChallengeResponse({ issueTokens: 1 }))).toEqual(UNRECOGNIZABLE);
  });
});

describe('reading a create auth challenge response', () => {
  it('takes the public and private parameters and the metadata', () => {
    expect(readCreateAuthChallengeResponse({ publicChallengeParameters: { captchaUrl: 'url/123.jpg' }, privateChallengeParameters: { answer: 5 }, challengeMetadata: 'CAPTCHA_CHALLENGE' })).toEqual({
      publicChallengeParameters: { captchaUrl: 'url/123.jpg' },
      privateChallengeParameters: { answer: '5' },
      challengeMetadata: 'CAPTCHA_CHALLENGE',
    });
  });

  it('reads unset parameters as empty', () => {
    expect(readCreateAuthChallengeResponse({ publicChallengeParameters: null, privateChallengeParameters: null, challengeMetadata: null })).toEqual({
      publicChallengeParameters: {},
      privateChallengeParameters: {},
      challengeMetadata: undefined,
    });
  });

  it('refuses parameters that are not a map of strings', () => {
    expect(refusal(() => readCreateAuthChallengeResponse({ publicChallengeParameters: ['a'] }))).toEqual(UNRECOGNIZABLE);
  });
});

describe('reading a verify auth challenge response', () => {
  it('takes answerCorrect', () => {
    expect(readVerifyAuthChallengeResponse({ answerCorrect: true })).toBe(true);
    expect(readVerifyAuthChallengeResponse({ answerCorrect: false })).toBe(false);
  });

  it('reads an unset answerCorrect as a wrong answer', () => {
    expect(readVerifyAuthChallengeResponse({ answerCorrect: null })).toBe(false);
    expect(readVerifyAuthChallengeResponse({})).toBe(false);
  });

  it('refuses an answerCorrect that is not a boolean', () => {
    expect(refusal(() => readVerifyAuthChallengeResponse({ answerCorrect: 'maybe' }))).toEqual(UNRECOGNIZABLE);
  });
});
