import { z } from 'zod';
import { baseEvent, type StringMap, type TriggerCaller, type TriggerEvent, withClientMetadata } from './event-common.ts';
import { lenientBoolean, lenientStringMap, readWith, unset } from './response-schema.ts';
import { unrecognizableOutput } from './errors.ts';

export type UserMigrationSource = 'UserMigration_Authentication' | 'UserMigration_ForgotPassword';

export interface UserMigrationInput {
  source: UserMigrationSource;
  /** The password typed at sign-in; Cognito does not send one in the forgot-password flow. */
  password?: string;
  validationData?: StringMap | null;
  clientMetadata?: StringMap;
}

export interface UserMigrationResponseFields {
  userAttributes: StringMap | null;
  finalUserStatus: string | null;
  messageAction: string | null;
  desiredDeliveryMediums: string[] | null;
  forceAliasCreation: boolean | null;
  enableSMSMFA: boolean | null;
}

export type UserMigrationEvent = TriggerEvent<
  UserMigrationSource,
  { password?: string; validationData: StringMap | null; clientMetadata?: StringMap },
  UserMigrationResponseFields
>;

/** The caller's `userName` is the name the user typed: the user does not exist in the pool yet. */
export function userMigrationEvent(caller: TriggerCaller, input: UserMigrationInput): UserMigrationEvent {
  const request = input.source === 'UserMigration_Authentication' ? { password: input.password ?? '', validationData: input.validationData ?? null } : { validationData: input.validationData ?? null };
  return {
    ...baseEvent(caller, input.source),
    request: withClientMetadata(request, input.clientMetadata),
    response: { userAttributes: null, finalUserStatus: null, messageAction: null, desiredDeliveryMediums: null, forceAliasCreation: null, enableSMSMFA: null },
  };
}

/** The user to create, with Cognito's defaults filled in. */
export interface MigratedUser {
  userAttributes: StringMap;
  /** CONFIRMED (the sign-in default: the typed password becomes the user's) or RESET_REQUIRED. */
  finalUserStatus: 'CONFIRMED' | 'RESET_REQUIRED';
  /** SUPPRESS: send no welcome message. Unset: send it. */
  messageAction: 'SUPPRESS' | 'RESEND' | undefined;
  /** Where the welcome message goes: SMS unless the function says otherwise. */
  desiredDeliveryMediums: Array<'SMS' | 'EMAIL'>;
  forceAliasCreation: boolean;
  enableSMSMFA: boolean;
}

const userMigrationSchema = z.strictObject({
  userAttributes: unset(lenientStringMap),
  finalUserStatus: unset(z.enum(['CONFIRMED', 'RESET_REQUIRED'])),
  messageAction: unset(z.enum(['SUPPRESS', 'RESEND'])),
  desiredDeliveryMediums: unset(z.array(z.enum(['SMS', 'EMAIL']))),
  forceAliasCreation: unset(lenientBoolean),
  enableSMSMFA: unset(lenientBoolean),
});

/**
 * Reads the migrated user. `userAttributes` is required; in the forgot-password flow the user must
 * reset the password, so the status is RESET_REQUIRED whatever the function says. (The password
 * policy is not applied to a migrated password, as in Cognito.)
 */
export function readUserMigrationResponse(response: Record<string, unknown>, source: UserMigrationSource): MigratedUser {
  const r = readWith(userMigrationSchema, response);
  if (!r.userAttributes) throw unrecognizableOutput(new Error('UserMigration response has no userAttributes'));
  return {
    userAttributes: r.userAttributes,
    finalUserStatus: source === 'UserMigration_ForgotPassword' ? 'RESET_REQUIRED' : (r.finalUserStatus ?? 'CONFIRMED'),
    messageAction: r.messageAction,
    desiredDeliveryMediums: r.desiredDeliveryMediums && r.desiredDeliveryMediums.length > 0 ? r.desiredDeliveryMediums : ['SMS'],
    forceAliasCreation: r.forceAliasCreation ?? false,
    enableSMSMFA: r.enableSMSMFA ?? false,
  };
}
