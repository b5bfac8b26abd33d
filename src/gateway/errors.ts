/**
 * Why the gateway refuses or fails a request. Each class is one wire response, written in one place
 * (wire.ts); the rest of the gateway throws these and never writes a status itself.
 */
export abstract class GatewayError extends Error {
  abstract readonly status: number;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request target cannot be routed safely (encoded separators, dot segments, bad encoding). */
export class BadRequestError extends GatewayError {
  readonly status = 400;
}

/** No route has this path and method. */
export class RouteNotFoundError extends GatewayError {
  readonly status = 404;
  constructor() {
    super('no route matches');
  }
}

/**
 * No usable credentials. Without `description` the request carried none at all, and RFC 6750 §3.1
 * says the challenge then names no error; with it, the token was refused (`invalid_token`).
 */
export class UnauthorizedError extends GatewayError {
  readonly status = 401;
  constructor(readonly description?: string) {
    super(description ?? 'no credentials');
  }
}

/** Authenticated but not allowed. `scopes` are the scopes that would have been enough (scope routes). */
export class ForbiddenError extends GatewayError {
  readonly status = 403;
  constructor(readonly scopes?: string[]) {
    super('denied');
  }
}

/** The authorizer could not decide (unreachable, too slow, a malformed answer); the request fails closed. */
export class AuthorizerFailedError extends GatewayError {
  readonly status = 500;
}

/** A fault of the gateway itself; the client learns nothing more. */
export class InternalError extends GatewayError {
  readonly status = 500;
}

/** The upstream could not be reached or broke the exchange. */
export class BadGatewayError extends GatewayError {
  readonly status = 502;
}

/** The upstream did not answer within the route's timeout. */
export class GatewayTimeoutError extends GatewayError {
  readonly status = 504;
}
