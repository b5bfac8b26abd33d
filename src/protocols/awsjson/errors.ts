import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { TesseraError } from '../../errors.ts';

export interface AwsErrorReply {
  status: number;
  type: string;
  message: string;
  fields?: Record<string, unknown>;
}

/** A wire-level refusal raised by the adapter itself (malformed JSON, unknown target…). */
export class AwsProtocolError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * Formats schema failures the way AWS services word them:
 * `1 validation error detected: Value null at 'username' failed to satisfy constraint: Member must not be null`.
 */
function validationMessage(error: z.ZodError): string {
  const parts = fieldErrors(error).map((f) => `Value ${f.missing ? 'null at' : 'at'} '${f.path}' failed to satisfy constraint: ${f.message}`);
  const n = error.issues.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`;
}

function fieldErrors(error: z.ZodError): Array<{ path: string; message: string; missing: boolean }> {
  return error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map((p, i) => (typeof p === 'number' ? `.${p + 1}.member` : `${i === 0 ? '' : '.'}${memberName(String(p))}`)).join('') || 'body';
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    return { path, missing, message: missing ? 'Member must not be null' : constraintOf(issue) };
  });
}

/** AWS's wording for each kind of constraint (the Smithy validation messages). */
function constraintOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `Member must have length less than or equal to ${issue.maximum}`
        : `Member must have value less than or equal to ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `Member must have length greater than or equal to ${issue.minimum}`
        : `Member must have value greater than or equal to ${issue.minimum}`;
    case 'invalid_value':
      return `Member must satisfy enum value set: [${issue.values.map(String).join(', ')}]`;
    case 'invalid_type':
      return `Member must be of type ${issue.expected}`;
    default:
      // Regex constraints carry AWS's own message already.
      return issue.message;
  }
}

/** AWS names structure members in camelCase (`userAttributes`); map keys (`USERNAME`) stay as sent. */
function memberName(segment: string): string {
  return /^[A-Z][a-z]/.test(segment) ? segment.charAt(0).toLowerCase() + segment.slice(1) : segment;
}

/**
 * The one place where anything thrown inside an AWS JSON call becomes its wire shape.
 * `validationType` is the service's name for a request that fails its input constraints.
 */
export function toAwsError(error: unknown, log: FastifyBaseLogger, validationType = 'InvalidParameterException'): AwsErrorReply {
  if (error instanceof TesseraError) {
    if (error.cause !== undefined) log.warn({ err: error.cause, code: error.name }, 'operation failed on a dependency');
    return { status: error.status, type: error.name, message: error.message, ...(error.fields && { fields: error.fields }) };
  }
  if (error instanceof AwsProtocolError) return { status: error.status, type: error.type, message: error.message };
  if (error instanceof z.ZodError) {
    const reply: AwsErrorReply = { status: 400, type: validationType, message: validationMessage(error) };
    // Services whose ValidationException carries a fieldList (Verified Permissions) name each field.
    if (validationType === 'ValidationException') reply.fields = { fieldList: fieldErrors(error).map((f) => ({ path: f.path, message: f.message })) };
    return reply;
  }
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 413) return { status: 413, type: 'RequestEntityTooLargeException', message: 'Request body is too large.' };
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, type: 'SerializationException', message: 'The request could not be read.' };
  log.error({ err: error }, 'unexpected error in an AWS JSON operation');
  return { status: 500, type: 'InternalErrorException', message: 'An internal error occurred.' };
}
