/**
 * Cerbos answers errors as `google.rpc.Status` JSON; these carry the gRPC code they map to.
 * 3 is INVALID_ARGUMENT, 5 NOT_FOUND, 9 FAILED_PRECONDITION, 16 UNAUTHENTICATED.
 */
export class CerbosError extends Error {
  constructor(
    readonly grpcCode: 3 | 5 | 7 | 9 | 12 | 13 | 16,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

export const invalidArgument = (message: string, details: unknown[] = []) => new CerbosError(3, message, details);
