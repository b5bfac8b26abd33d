/**
 * OAuth 2.0 errors (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; RFC 7009 §2.2.1). `error` is the wire
 * code; the routes map them to a redirect, a JSON body or a page in one place each.
 */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

export const invalidRequest = (d: string) => new OAuthError('invalid_request', d);
export const invalidClient = (d: string) => new OAuthError('invalid_client', d, 401);
export const invalidGrant = (d: string) => new OAuthError('invalid_grant', d);
export const unauthorizedClient = (d: string) => new OAuthError('unauthorized_client', d);
export const unsupportedGrantType = (d: string) => new OAuthError('unsupported_grant_type', d);
export const unsupportedResponseType = (d: string) => new OAuthError('unsupported_response_type', d);
export const invalidScope = (d: string) => new OAuthError('invalid_scope', d);
export const invalidToken = (d: string) => new OAuthError('invalid_token', d, 401);
export const insufficientScope = (d: string) => new OAuthError('insufficient_scope', d, 403);
export const unsupportedTokenType = (d: string) => new OAuthError('unsupported_token_type', d);
