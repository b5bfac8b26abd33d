import { STANDARD_SCOPES } from './scopes.ts';

/** The OpenID Provider metadata of one pool (OIDC Discovery §3), with Cognito's endpoint paths. */
export function openIdConfiguration(issuer: string, endpointsBase: string, customScopes: Iterable<string>): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${endpointsBase}/oauth2/authorize`,
    token_endpoint: `${endpointsBase}/oauth2/token`,
    userinfo_endpoint: `${endpointsBase}/oauth2/userInfo`,
    revocation_endpoint: `${endpointsBase}/oauth2/revoke`,
    end_session_endpoint: `${endpointsBase}/logout`,
    jwks_uri: `${endpointsBase}/.well-known/jwks.json`,
    response_types_supported: ['code', 'token'],
    response_modes_supported: ['query', 'fragment'],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials', 'implicit'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: [...STANDARD_SCOPES, ...customScopes],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    code_challenge_methods_supported: ['S256'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'email', 'email_verified', 'phone_number', 'phone_number_verified', 'name', 'given_name', 'family_name', 'preferred_username', 'cognito:username', 'cognito:groups'],
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    claims_parameter_supported: false,
  };
}
