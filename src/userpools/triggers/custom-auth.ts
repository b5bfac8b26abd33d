import { z } from 'zod';
import { baseEvent, type StringMap, type TriggerCaller, type TriggerEvent, withClientMetadata, withUserNotFound } from './event-common.ts';
import { lenientBoolean, lenientString, lenientStringMap, readWith, unset } from './response-schema.ts';
import { unrecognizableOutput } from './errors.ts';

/** One step of a custom authentication session, oldest first (`session[0]` is the first challenge). */
export interface ChallengeResult {
  challengeName: 'CUSTOM_CHALLENGE' | 'SRP_A' | 'PASSWORD_VERIFIER' | 'SMS_MFA' | 'EMAIL_OTP' | 'SOFTWARE_TOKEN_MFA' | 'DEVICE_SRP_AUTH' | 'DEVICE_PASSWORD_VERIFIER' | 'ADMIN_NO_SRP_AUTH';
  challengeResult: boolean;
  /** The function's name for a CUSTOM_CHALLENGE (CreateAuthChallenge's challengeMetadata). */
  challengeMetadata?: string;
}

interface CustomAuthInputBase {
  userAttributes: StringMap;
  clientMetadata?: StringMap;
  /** Set only when the app client has PreventUserExistenceErrors ENABLED. */
  userNotFound?: boolean;
}

// ---- Define auth challenge ----

export interface DefineAuthChallengeInput extends CustomAuthInputBase {
  session: ChallengeResult[];
}

export type DefineAuthChallengeEvent = TriggerEvent<
  'DefineAuthChallenge_Authentication',
  { userAttributes: StringMap; session: ChallengeResult[]; clientMetadata?: StringMap; userNotFound?: boolean },
  { challengeName: string | null; issueTokens: boolean | null; failAuthentication: boolean | null }
>;

export function defineAuthChallengeEvent(caller: TriggerCaller, input: DefineAuthChallengeInput): DefineAuthChallengeEvent {
  return {
    ...baseEvent(caller, 'DefineAuthChallenge_Authentication'),
    request: withUserNotFound(withClientMetadata({ userAttributes: input.userAttributes, session: input.session }, input.clientMetadata), input.userNotFound),
    response: { challengeName: null, issueTokens: null, failAuthentication: null },
  };
}

/** What the define function decided: fail, issue tokens, or present the named challenge next. */
export type DefineAuthChallengeDecision = { kind: 'fail' } | { kind: 'issueTokens' } | { kind: 'challenge'; challengeName: string };

const defineSchema = z.strictObject({
  challengeName: unset(lenientString),
  issueTokens: unset(lenientBoolean),
  failAuthentication: unset(lenientBoolean),
});

/**
 * failAuthentication wins over issueTokens (the safe reading of a contradictory answer); a response
 * that neither fails, issues tokens nor names a challenge is unreadable.
 */
export function readDefineAuthChallengeResponse(response: Record<string, unknown>): DefineAuthChallengeDecision {
  const r = readWith(defineSchema, response);
  if (r.failAuthentication) return { kind: 'fail' };
  if (r.issueTokens) return { kind: 'issueTokens' };
  if (r.challengeName) return { kind: 'challenge', challengeName: r.challengeName };
  throw unrecognizableOutput(new Error('DefineAuthChallenge response neither fails, issues tokens nor names a challenge'));
}

// ---- Create auth challenge ----

export interface CreateAuthChallengeInput extends CustomAuthInputBase {
  challengeName: string;
  session: ChallengeResult[];
}

export type CreateAuthChallengeEvent = TriggerEvent<
  'CreateAuthChallenge_Authentication',
  { userAttributes: StringMap; challengeName: string; session: ChallengeResult[]; clientMetadata?: StringMap; userNotFound?: boolean },
  { publicChallengeParameters: StringMap | null; privateChallengeParameters: StringMap | null; challengeMetadata: string | null }
>;

export function createAuthChallengeEvent(caller: TriggerCaller, input: CreateAuthChallengeInput): CreateAuthChallengeEvent {
  return {
    ...baseEvent(caller, 'CreateAuthChallenge_Authentication'),
    request: withUserNotFound(
      withClientMetadata({ userAttributes: input.userAttributes, challengeName: input.challengeName, session: input.session }, input.clientMetadata),
      input.userNotFound,
    ),
    response: { publicChallengeParameters: null, privateChallengeParameters: null, challengeMetadata: null },
  };
}

export interface CreatedChallenge {
  /** Returned to the client as ChallengeParameters. */
  publicChallengeParameters: StringMap;
  /** Kept server-side for VerifyAuthChallengeResponse. */
  privateChallengeParameters: StringMap;
  /** Recorded in the session as the challenge's challengeMetadata. */
  challengeMetadata: string | undefined;
}

const createSchema = z.strictObject({
  publicChallengeParameters: unset(lenientStringMap),
  privateChallengeParameters: unset(lenientStringMap),
  challengeMetadata: unset(lenientString),
});

export function readCreateAuthChallengeResponse(response: Record<string, unknown>): CreatedChallenge {
  const r = readWith(createSchema, response);
  return { publicChallengeParameters: r.publicChallengeParameters ?? {}, privateChallengeParameters: r.privateChallengeParameters ?? {}, challengeMetadata: r.challengeMetadata };
}

// ---- Verify auth challenge response ----

export interface VerifyAuthChallengeResponseInput extends CustomAuthInputBase {
  privateChallengeParameters: StringMap;
  /** The client's ChallengeResponses.ANSWER. */
  challengeAnswer: string;
}

export type VerifyAuthChallengeResponseEvent = TriggerEvent<
  'VerifyAuthChallengeResponse_Authentication',
  { userAttributes: StringMap; privateChallengeParameters: StringMap; challengeAnswer: string; clientMetadata?: StringMap; userNotFound?: boolean },
  { answerCorrect: boolean | null }
>;

export function verifyAuthChallengeResponseEvent(caller: TriggerCaller, input: VerifyAuthChallengeResponseInput): VerifyAuthChallengeResponseEvent {
  return {
    ...baseEvent(caller, 'VerifyAuthChallengeResponse_Authentication'),
    request: withUserNotFound(
      withClientMetadata(
        { userAttributes: input.userAttributes, privateChallengeParameters: input.privateChallengeParameters, challengeAnswer: input.challengeAnswer },
        input.clientMetadata,
      ),
      input.userNotFound,
    ),
    response: { answerCorrect: null },
  };
}

const verifySchema = z.strictObject({ answerCorrect: unset(lenientBoolean) });

/** Whether the answer was right; an unset answerCorrect counts as wrong. */
export function readVerifyAuthChallengeResponse(response: Record<string, unknown>): boolean {
  return readWith(verifySchema, response).answerCorrect ?? false;
}
