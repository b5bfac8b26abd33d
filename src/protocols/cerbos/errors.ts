import type { FastifyReply } from 'fastify';
import { CerbosError } from '../../authz/cerbos/errors.ts';
import { PolicyLoadError, formatProblem } from '../../authz/cerbos/policy-documents.ts';

/** gRPC codes as Cerbos' HTTP gateway turns them into statuses. */
const STATUS: Record<number, number> = { 3: 400, 5: 404, 7: 403, 9: 400, 12: 501, 13: 500, 16: 401 };

/** The one place Cerbos-protocol errors become `google.rpc.Status` JSON. */
export function sendCerbosError(reply: FastifyReply, error: unknown, log: (e: unknown) => void): FastifyReply {
  if (error instanceof CerbosError) {
    return reply.code(STATUS[error.grpcCode] ?? 500).type('application/json').send({ code: error.grpcCode, message: error.message, ...(error.details.length && { details: error.details }) });
  }
  if (error instanceof PolicyLoadError) {
    return reply.code(400).type('application/json').send({ code: 3, message: `invalid policies:\n${error.problems.map(formatProblem).join('\n')}`, details: error.problems.map((p) => ({ file: p.file, ...(p.position && { line: p.position.line, column: p.position.column, path: p.position.path }), message: p.message })) });
  }
  log(error);
  return reply.code(500).type('application/json').send({ code: 13, message: 'internal error' });
}
