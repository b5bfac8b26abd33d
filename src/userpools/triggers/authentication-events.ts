import { baseEvent, type StringMap, type TriggerCaller, type TriggerEvent, withClientMetadata, withUserNotFound } from './event-common.ts';

// ---- Pre authentication ----

export interface PreAuthenticationInput {
  userAttributes: StringMap;
  /** InitiateAuth's / AdminInitiateAuth's ClientMetadata: Cognito hands it over as validationData. */
  validationData?: StringMap | null;
  /** Set only when the app client has PreventUserExistenceErrors ENABLED. */
  userNotFound?: boolean;
}

export type PreAuthenticationEvent = TriggerEvent<
  'PreAuthentication_Authentication',
  { userAttributes: StringMap; validationData: StringMap | null; userNotFound?: boolean },
  Record<string, never>
>;

export function preAuthenticationEvent(caller: TriggerCaller, input: PreAuthenticationInput): PreAuthenticationEvent {
  return {
    ...baseEvent(caller, 'PreAuthentication_Authentication'),
    request: withUserNotFound({ userAttributes: input.userAttributes, validationData: input.validationData ?? null }, input.userNotFound),
    response: {},
  };
}

// ---- Post authentication ----

export interface PostAuthenticationInput {
  userAttributes: StringMap;
  /** Whether the user signed in from a device not remembered before. */
  newDeviceUsed: boolean;
  clientMetadata?: StringMap;
}

export type PostAuthenticationEvent = TriggerEvent<
  'PostAuthentication_Authentication',
  { userAttributes: StringMap; newDeviceUsed: boolean; clientMetadata?: StringMap },
  Record<string, never>
>;

export function postAuthenticationEvent(caller: TriggerCaller, input: PostAuthenticationInput): PostAuthenticationEvent {
  return {
    ...baseEvent(caller, 'PostAuthentication_Authentication'),
    request: withClientMetadata({ newDeviceUsed: input.newDeviceUsed, userAttributes: input.userAttributes }, input.clientMetadata),
    response: {},
  };
}
