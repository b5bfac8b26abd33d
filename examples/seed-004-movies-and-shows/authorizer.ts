/**
 * The seed 004 Lambda authorizer, as a plain function: it verifies the caller's access token with
 * aws-jwt-verify against Tessera's JWKS, then lets the request through only when the requested path
 * belongs to one of the user's Cognito groups. It takes API Gateway's HTTP API authorizer event
 * (payload format 2.0) and answers `{ isAuthorized }` (a "simple response"), as the seed's Lambda
 * does. `context` carries the user on success (API Gateway, and Tessera's gateway, pass it on to
 * the integration) and the reason on refusal (for the log; the gateway answers 403 either way).
 *
 * [`authorizer-endpoint.ts`](authorizer-endpoint.ts) serves it over HTTP, which is how Tessera's
 * gateway calls a `lambda` authorizer.
 */
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import { CognitoJwtInvalidGroupError } from 'aws-jwt-verify/error';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { HttpJwksFetcher } from '../support/http-jwks-fetcher.ts';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';

/** Which group may call which path (the seed keeps it in memory too). */
export const mapGroupsToPaths: ReadonlyArray<{ path: string; group: string }> = [
  { path: '/movies', group: 'movies-group' },
  { path: '/shows', group: 'shows-group' },
];

/** The parts of an API Gateway HTTP API (payload 2.0) authorizer event this authorizer reads. */
export interface AuthorizerEvent {
  requestContext: { http: { method?: string; path: string } };
  /** Lower-case header names, as API Gateway hands them over. */
  headers?: Record<string, string | undefined>;
}

export type DenyReason = 'unknown-path' | 'no-token' | 'invalid-token' | 'not-in-group';

export interface AuthorizerResult {
  isAuthorized: boolean;
  /** Simple-response context: the user when authorized, the reason when not. */
  context?: { reason?: DenyReason; username?: string; groups?: string };
}

export interface AuthorizerOptions {
  /** The pool's issuer, `{publicUrl}/{poolId}` for Tessera (or Cognito's `https://cognito-idp…`). */
  issuer: string;
  /** Where the pool's signing keys are, `{tessera}/{poolId}/.well-known/jwks.json`. */
  jwksUri: string;
  /** The app client whose access tokens are accepted. */
  clientId: string | string[];
  /** Path → group map; the seed's by default. The paths are `requestContext.http.path` as the API sees them. */
  paths?: ReadonlyArray<{ path: string; group: string }>;
  /** How the JWKS is fetched; by default global fetch, which, unlike aws-jwt-verify's own fetcher, also speaks http. */
  fetcher?: Fetcher;
  /** Where the authorizer logs its decisions (console.log, like the seed's Lambda). */
  log?: (message: string) => void;
}

export interface Authorizer {
  handler(event: AuthorizerEvent): Promise<AuthorizerResult>;
}

export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const paths = options.paths ?? mapGroupsToPaths;
  const log = options.log ?? ((message: string) => console.log(message));
  // One JWKS cache for all the per-path verifiers: the keys are fetched once, and again on an unknown kid.
  const jwksCache = new SimpleJwksCache({ fetcher: options.fetcher ?? new HttpJwksFetcher() });

  // One verifier per path, each requiring the path's group. aws-jwt-verify checks the signature, the
  // issuer and the expiry; the Cognito checks (token_use, client_id, groups) are done by
  // validateCognitoJwtFields, as CognitoJwtVerifier itself does. That function checks groups
  // before token use, so the token use and client are checked on their own first: the log must call an
  // ID token a bad token even when its groups would not match either.
  const verifiers = new Map(
    paths.map(({ path, group }) => [
      path,
      JwtRsaVerifier.create(
        {
          issuer: options.issuer,
          jwksUri: options.jwksUri,
          audience: null,
          customJwtCheck: ({ payload }) => {
            validateCognitoJwtFields(payload, { tokenUse: 'access', clientId: options.clientId, groups: null });
            validateCognitoJwtFields(payload, { tokenUse: 'access', clientId: options.clientId, groups: group });
          },
        },
        { jwksCache },
      ),
    ]),
  );

  const verify = async (path: string, token: string): Promise<AuthorizerResult> => {
    const verifier = verifiers.get(path)!;
    let payload: JwtPayload;
    try {
      payload = await verifier.verify(token);
    } catch (error) {
      if (error instanceof CognitoJwtInvalidGroupError) {
        log(`${path}: the user is not in the group for this path`);
        return { isAuthorized: false, context: { reason: 'not-in-group' } };
      }
      log(`${path}: token not valid (${error instanceof Error ? error.message : String(error)})`);
      return { isAuthorized: false, context: { reason: 'invalid-token' } };
    }
    const groups = Array.isArray(payload['cognito:groups']) ? payload['cognito:groups'].map(String) : [];
    return { isAuthorized: true, context: { username: String(payload.username ?? payload.sub ?? ''), groups: groups.join(',') } };
  };

  return {
    async handler(event) {
      // The requested path, as API Gateway reports it.
      const requestPath = event.requestContext.http.path;
      if (!verifiers.has(requestPath)) {
        log(`${requestPath}: invalid path`);
        return { isAuthorized: false, context: { reason: 'unknown-path' } };
      }
      const authHeader = event.headers?.authorization;
      // The header has the form `Bearer TOKEN`.
      const token = authHeader ? /^Bearer\s+(\S+)\s*$/i.exec(authHeader)?.[1] : undefined;
      if (!token) {
        log(`${requestPath}: no bearer token`);
        return { isAuthorized: false, context: { reason: 'no-token' } };
      }
      return verify(requestPath, token);
    },
  };
}
