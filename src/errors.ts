/**
 * Base of every domain error. `name` equals the wire code (e.g. `NotAuthorizedException`),
 * so protocol adapters map an error to their wire shape without a lookup table of strings.
 */
export abstract class TesseraError extends Error {
  /** HTTP status the AWS JSON protocol uses for this error. */
  readonly status: number = 400;
  /** Extra members of the error body some services define (`fieldList`, `resourceId`…). */
  readonly fields?: Record<string, unknown>;

  constructor(message: string, options?: { cause?: unknown; fields?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.fields) this.fields = options.fields;
  }
}

/** A parameter fails the operation's constraints. */
export class InvalidParameterException extends TesseraError {}
export class ResourceNotFoundException extends TesseraError {}
export class NotAuthorizedException extends TesseraError {}
export class UserNotFoundException extends TesseraError {}
export class UsernameExistsException extends TesseraError {}
export class UserNotConfirmedException extends TesseraError {}
export class InvalidPasswordException extends TesseraError {}
export class CodeMismatchException extends TesseraError {}
export class ExpiredCodeException extends TesseraError {}
export class LimitExceededException extends TesseraError {}
export class TooManyRequestsException extends TesseraError {}
export class TooManyFailedAttemptsException extends TesseraError {}
export class AliasExistsException extends TesseraError {}
export class GroupExistsException extends TesseraError {}
export class PasswordResetRequiredException extends TesseraError {}
export class UnsupportedOperationException extends TesseraError {}
export class UnsupportedTokenTypeException extends TesseraError {}
export class InvalidUserPoolConfigurationException extends TesseraError {}
export class InvalidLambdaResponseException extends TesseraError {}
export class CodeDeliveryFailureException extends TesseraError {}
export class ConcurrentModificationException extends TesseraError {}
export class ScopeDoesNotExistException extends TesseraError {}
/** An app client's AllowedOAuthFlows cannot go together, or need a client secret the client lacks. */
export class InvalidOAuthFlowException extends TesseraError {}
export class UnsupportedUserStateException extends TesseraError {}
/** VerifySoftwareToken got a code that does not match the secret being enrolled. */
export class EnableSoftwareTokenMFAException extends TesseraError {}
export class SoftwareTokenMFANotFoundException extends TesseraError {}

/** A fault of ours, not the caller's. Its message never carries internals. */
export class InternalErrorException extends TesseraError {
  override readonly status: number = 500;
}
