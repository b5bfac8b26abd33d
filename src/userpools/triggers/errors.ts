import { InvalidLambdaResponseException, TesseraError } from '../../errors.ts';

/**
 * The trigger's function failed: it threw, called back with an error, or (HTTP targets) answered
 * 4xx/5xx with an error message. Cognito words it `PreSignUp failed with error <message>.`
 * (the trailing period is added even when the message ends with one).
 */
export class UserLambdaValidationException extends TesseraError {}

/**
 * The trigger could not be invoked or did not answer in time. Cognito words it
 * `PostAuthentication invocation failed due to error Socket timeout while invoking Lambda function.`
 */
export class UnexpectedLambdaException extends TesseraError {}

export { InvalidLambdaResponseException };

/** Cognito's messages for a response it cannot read (both InvalidLambdaResponseException). */
export const INVALID_JSON = 'Invalid lambda function output : Invalid JSON';
export const UNRECOGNIZABLE_OUTPUT = 'Unrecognizable lambda output';

export function functionFailed(trigger: string, message: string, cause?: unknown): UserLambdaValidationException {
  return new UserLambdaValidationException(`${trigger} failed with error ${message}.`, cause === undefined ? undefined : { cause });
}

export function invocationFailed(trigger: string, reason: string, cause?: unknown): UnexpectedLambdaException {
  return new UnexpectedLambdaException(`${trigger} invocation failed due to error ${reason}.`, cause === undefined ? undefined : { cause });
}

export const TIMEOUT_REASON = 'Socket timeout while invoking Lambda function';

export function unrecognizableOutput(cause?: unknown): InvalidLambdaResponseException {
  return new InvalidLambdaResponseException(UNRECOGNIZABLE_OUTPUT, cause === undefined ? undefined : { cause });
}

export function invalidJsonOutput(cause?: unknown): InvalidLambdaResponseException {
  return new InvalidLambdaResponseException(INVALID_JSON, cause === undefined ? undefined : { cause });
}
