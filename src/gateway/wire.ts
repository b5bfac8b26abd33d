import type { FastifyReply } from 'fastify';
import { ForbiddenError, GatewayError, UnauthorizedError } from './errors.ts';

/** API Gateway's own words for each status, so clients written against it read the same bodies. */
const MESSAGES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

export const REALM = 'tessera';

export interface WireError {
  status: number;
  headers: Record<string, string>;
  body: { message: string };
}

/** The one mapping from a gateway error (or anything else thrown) to what the client sees. Nothing internal leaks. */
export function wireError(e: unknown): WireError {
  const status = e instanceof GatewayError ? e.status : 500;
  const headers: Record<string, string> = {};
  const challenge = challengeOf(e);
  if (challenge) headers['www-authenticate'] = challenge;
  return { status, headers, body: { message: MESSAGES[status] ?? 'Internal Server Error' } };
}

export function sendWireError(reply: FastifyReply, e: unknown): FastifyReply {
  const w = wireError(e);
  return reply.code(w.status).headers(w.headers).type('application/json').send(w.body);
}

/** RFC 6750 §3: the Bearer challenge for 401 and 403. */
function challengeOf(e: unknown): string | undefined {
  if (e instanceof UnauthorizedError) {
    return e.description === undefined ? `Bearer realm="${REALM}"` : `Bearer realm="${REALM}", error="invalid_token", error_description="${quotable(e.description)}"`;
  }
  if (e instanceof ForbiddenError) {
    const scope = e.scopes && e.scopes.length > 0 ? `, scope="${quotable(e.scopes.join(' '))}"` : '';
    return `Bearer realm="${REALM}", error="insufficient_scope"${scope}`;
  }
  return undefined;
}

/** RFC 6750 allows neither `"` nor `\` (nor controls) inside these quoted values. */
function quotable(s: string): string {
  return s.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
}
