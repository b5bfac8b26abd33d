import { z } from 'zod';
import { baseEvent, type StringMap, type TriggerCaller, type TriggerEvent, withClientMetadata } from './event-common.ts';
import { lenientBoolean, readWith, unset } from './response-schema.ts';

// ---- Pre sign-up ----

export type PreSignUpSource = 'PreSignUp_SignUp' | 'PreSignUp_AdminCreateUser' | 'PreSignUp_ExternalProvider';

export interface PreSignUpInput {
  source: PreSignUpSource;
  /** The attributes the new user is created with. */
  userAttributes: StringMap;
  /** SignUp's / AdminCreateUser's ValidationData; null when none was sent. */
  validationData?: StringMap | null;
  clientMetadata?: StringMap;
}

export interface PreSignUpResponse {
  autoConfirmUser: boolean;
  autoVerifyEmail: boolean;
  autoVerifyPhone: boolean;
}

export type PreSignUpEvent = TriggerEvent<PreSignUpSource, { userAttributes: StringMap; validationData: StringMap | null; clientMetadata?: StringMap }, PreSignUpResponse>;

export function preSignUpEvent(caller: TriggerCaller, input: PreSignUpInput): PreSignUpEvent {
  return {
    ...baseEvent(caller, input.source),
    request: withClientMetadata({ userAttributes: input.userAttributes, validationData: input.validationData ?? null }, input.clientMetadata),
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  };
}

const preSignUpSchema = z.strictObject({
  autoConfirmUser: unset(lenientBoolean),
  autoVerifyEmail: unset(lenientBoolean),
  autoVerifyPhone: unset(lenientBoolean),
});

/**
 * What the function decided. Cognito ignores all three flags when the trigger fired for
 * AdminCreateUser, so they read as false then.
 */
export function readPreSignUpResponse(response: Record<string, unknown>, source: PreSignUpSource): PreSignUpResponse {
  const r = readWith(preSignUpSchema, response);
  if (source === 'PreSignUp_AdminCreateUser') return { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false };
  return { autoConfirmUser: r.autoConfirmUser ?? false, autoVerifyEmail: r.autoVerifyEmail ?? false, autoVerifyPhone: r.autoVerifyPhone ?? false };
}

// ---- Post confirmation ----

export type PostConfirmationSource = 'PostConfirmation_ConfirmSignUp' | 'PostConfirmation_ConfirmForgotPassword';

export interface PostConfirmationInput {
  source: PostConfirmationSource;
  userAttributes: StringMap;
  clientMetadata?: StringMap;
}

export type PostConfirmationEvent = TriggerEvent<PostConfirmationSource, { userAttributes: StringMap; clientMetadata?: StringMap }, Record<string, never>>;

export function postConfirmationEvent(caller: TriggerCaller, input: PostConfirmationInput): PostConfirmationEvent {
  return { ...baseEvent(caller, input.source), request: withClientMetadata({ userAttributes: input.userAttributes }, input.clientMetadata), response: {} };
}

/** A post trigger returns nothing: its response must stay empty. */
export const emptyResponseSchema = z.strictObject({});

export function readEmptyResponse(response: Record<string, unknown>): void {
  readWith(emptyResponseSchema, response);
}
