import type { FastifyReply } from 'fastify';
import { ZodError } from 'zod';
import { RbacError } from '../../authz/rbac/errors.ts';

/** A Permit wire error that is not an RBAC domain error: a bad key, a bad body, the wrong environment. */
export class PermitWireError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly additionalInfo?: unknown,
  ) {
    super(message);
    this.name = 'PermitWireError';
  }
}

const TITLES: Record<string, string> = {
  NOT_FOUND: 'The requested data was not found',
  DUPLICATE_ENTITY: 'A duplicate entity was found',
  UNPROCESSABLE_ENTITY: 'Validation error',
  UNAUTHORIZED: 'Missing or invalid API key',
  FORBIDDEN: 'The API key does not open this environment',
  TOO_MANY_REQUESTS: 'Too many failed attempts',
};

function wireOf(e: unknown): PermitWireError | undefined {
  if (e instanceof PermitWireError) return e;
  if (e instanceof RbacError) {
    if (e.kind === 'not_found') return new PermitWireError(404, 'NOT_FOUND', e.message);
    if (e.kind === 'conflict') return new PermitWireError(409, 'DUPLICATE_ENTITY', e.message);
    if (e.kind === 'unauthorized') return new PermitWireError(401, 'UNAUTHORIZED', e.message);
    return new PermitWireError(422, 'UNPROCESSABLE_ENTITY', e.message, { errors: [{ loc: ['body', ...(e.field ?? [])], msg: e.message, type: 'value_error' }] });
  }
  if (e instanceof ZodError) {
    const errors = e.issues.map((i) => ({ loc: ['body', ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], msg: i.message, type: i.code }));
    return new PermitWireError(422, 'UNPROCESSABLE_ENTITY', errors.map((x) => `${x.loc.join('.')}: ${x.msg}`).join('; '), { errors });
  }
  return undefined;
}

/**
 * The management API's error body, as Permit's API sends it: the SDK makes `message` the text of its
 * PermitApiError, so every error body is an object with one.
 */
export function sendApiError(reply: FastifyReply, e: unknown, logUnexpected: (e: unknown) => void): FastifyReply {
  const w = wireOf(e);
  if (!w) {
    logUnexpected(e);
    return reply.code(500).send({ title: 'Internal server error', error_code: 'UNEXPECTED_ERROR', message: 'The server could not complete the request' });
  }
  return reply.code(w.status).send({ title: TITLES[w.errorCode] ?? w.errorCode, error_code: w.errorCode, message: w.message, ...(w.additionalInfo !== undefined && { additional_info: w.additionalInfo }) });
}

/** The PDP's error body: the PDP answers as FastAPI does, `{detail}`. */
export function sendPdpError(reply: FastifyReply, e: unknown, logUnexpected: (e: unknown) => void): FastifyReply {
  const w = wireOf(e);
  if (!w) {
    logUnexpected(e);
    return reply.code(500).send({ detail: 'The decision point could not answer' });
  }
  const info = w.additionalInfo as { errors?: unknown } | undefined;
  return reply.code(w.status).send({ detail: w.status === 422 && info?.errors ? info.errors : w.message });
}
