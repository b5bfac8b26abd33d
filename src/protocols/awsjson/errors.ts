import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { TesseraError } from '../../errors.ts';

export interface AwsErrorReply {
  status: number;
  type: string;
  message: string;
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
  const parts = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map((p, i) => (typeof p === 'number' ? `.${p + 1}.member` : i === 0 ? lowerFirst(String(p)) : `.${lowerFirst(String(p))}`)).join('') || 'body';
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    const constraint = missing ? 'Member must not be null' : issue.message;
    return `Value ${missing ? 'null' : 'at'} '${path}' failed to satisfy constraint: ${constraint}`;
  });
  const n = error.issues.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`.replace(/Value at '([^']+)'/g, "Value at '$1'");
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The one place where anything thrown inside an AWS JSON call becomes its wire shape. */
export function toAwsError(error: unknown, log: FastifyBaseLogger): AwsErrorReply {
  if (error instanceof TesseraError) {
    if (error.cause !== undefined) log.warn({ err: error.cause, code: error.name }, 'operation failed on a dependency');
    return { status: error.status, type: error.name, message: error.message };
  }
  if (error instanceof AwsProtocolError) return { status: error.status, type: error.type, message: error.message };
  if (error instanceof z.ZodError) return { status: 400, type: 'InvalidParameterException', message: validationMessage(error) };
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 413) return { status: 413, type: 'RequestEntityTooLargeException', message: 'Request body is too large.' };
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, type: 'SerializationException', message: 'The request could not be read.' };
  log.error({ err: error }, 'unexpected error in an AWS JSON operation');
  return { status: 500, type: 'InternalErrorException', message: 'An internal error occurred.' };
}
