import { z } from 'zod';
import { InvalidParameterException } from '../../errors.ts';
import { baseEvent, type StringMap, type TriggerCaller, type TriggerEvent, withClientMetadata } from './event-common.ts';
import { lenientString, readWith, unset } from './response-schema.ts';

export type CustomMessageSource =
  | 'CustomMessage_SignUp'
  | 'CustomMessage_AdminCreateUser'
  | 'CustomMessage_ResendCode'
  | 'CustomMessage_ForgotPassword'
  | 'CustomMessage_UpdateUserAttribute'
  | 'CustomMessage_VerifyUserAttribute'
  | 'CustomMessage_Authentication';

/** The placeholders Cognito puts in the request and later replaces in the returned messages. */
export const CODE_PARAMETER = '{####}';
export const USERNAME_PARAMETER = '{username}';
export const LINK_PARAMETER = '{##Click Here##}';

export interface CustomMessageInput {
  source: CustomMessageSource;
  userAttributes: StringMap;
  /** Defaults to `{####}`. */
  codeParameter?: string;
  /** `{username}` for CustomMessage_AdminCreateUser (the default then), null otherwise. */
  usernameParameter?: string | null;
  /** `{##Click Here##}` when the pool verifies email by link; null otherwise (the default). */
  linkParameter?: string | null;
  clientMetadata?: StringMap;
}

export interface CustomMessageResponseFields {
  smsMessage: string | null;
  emailMessage: string | null;
  emailSubject: string | null;
}

export type CustomMessageEvent = TriggerEvent<
  CustomMessageSource,
  { userAttributes: StringMap; codeParameter: string; linkParameter: string | null; usernameParameter: string | null; clientMetadata?: StringMap },
  CustomMessageResponseFields
>;

export function customMessageEvent(caller: TriggerCaller, input: CustomMessageInput): CustomMessageEvent {
  const usernameParameter = input.usernameParameter !== undefined ? input.usernameParameter : input.source === 'CustomMessage_AdminCreateUser' ? USERNAME_PARAMETER : null;
  return {
    ...baseEvent(caller, input.source),
    request: withClientMetadata(
      { userAttributes: input.userAttributes, codeParameter: input.codeParameter ?? CODE_PARAMETER, linkParameter: input.linkParameter ?? null, usernameParameter },
      input.clientMetadata,
    ),
    response: { smsMessage: null, emailMessage: null, emailSubject: null },
  };
}

/** The messages to send; an undefined member means "use the pool's own message for it". */
export interface CustomMessage {
  smsMessage?: string;
  emailMessage?: string;
  emailSubject?: string;
}

const customMessageSchema = z.strictObject({
  smsMessage: unset(lenientString),
  emailMessage: unset(lenientString),
  emailSubject: unset(lenientString),
});

/**
 * Reads the custom messages. A message must carry the code placeholder it was given (for
 * AdminCreateUser also the username placeholder; an email may carry the link placeholder instead
 * of the code when the request had one). Cognito refuses a message without it as an invalid
 * parameter naming the member and the pattern, and so does this.
 */
export function readCustomMessageResponse(response: Record<string, unknown>, request: CustomMessageEvent['request']): CustomMessage {
  const r = readWith(customMessageSchema, response);
  const out: CustomMessage = {};
  for (const member of ['smsMessage', 'emailMessage'] as const) {
    const message = r[member];
    if (message === undefined) continue;
    const hasCode = message.includes(request.codeParameter) || (member === 'emailMessage' && request.linkParameter !== null && message.includes(request.linkParameter));
    if (!hasCode) throw missingPlaceholder(member, request.codeParameter);
    if (request.usernameParameter !== null && !message.includes(request.usernameParameter)) throw missingPlaceholder(member, request.usernameParameter);
    out[member] = message;
  }
  if (r.emailSubject !== undefined) out.emailSubject = r.emailSubject;
  return out;
}

function missingPlaceholder(member: string, placeholder: string): InvalidParameterException {
  const p = placeholder.replace(/[{}]/g, (c) => `\\${c}`);
  return new InvalidParameterException(
    `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s*]*${p}[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\s*]*`,
  );
}
