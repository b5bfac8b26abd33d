/**
 * The seed 000 backend's two token checks, `verifierIdToken` and `verifier` in the seed, built with
 * aws-jwt-verify against Tessera's JWKS. The seed uses `CognitoJwtVerifier`, which derives the issuer
 * from the pool id (`https://cognito-idp.{region}.amazonaws.com/{poolId}`). Tessera's issuer is
 * `{publicUrl}/{poolId}`, so these are `JwtRsaVerifier`s doing the same Cognito checks with
 * `validateCognitoJwtFields`: signature, issuer and expiry, then `token_use` and the app client (`aud`
 * in an ID token, `client_id` in an access token).
 */
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { HttpJwksFetcher } from '../support/http-jwks-fetcher.ts';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';

export interface VerifierOptions {
  /** The pool's issuer, `{publicUrl}/{poolId}` for Tessera (or Cognito's `https://cognito-idp…`). */
  issuer: string;
  /** Where the pool's signing keys are, `{tessera}/{poolId}/.well-known/jwks.json`. */
  jwksUri: string;
  /** The app client whose tokens are accepted: the SPA's. */
  clientId: string;
  /** How the JWKS is fetched; by default global fetch, which, unlike aws-jwt-verify's own fetcher, also speaks http. */
  fetcher?: Fetcher;
}

export interface Verifiers {
  /** Resolves with the payload of a valid ID token of the client; rejects anything else. */
  idToken(token: string | undefined): Promise<JwtPayload>;
  /** Resolves with the payload of a valid access token of the client; rejects anything else. */
  accessToken(token: string | undefined): Promise<JwtPayload>;
}

export function createVerifiers(options: VerifierOptions): Verifiers {
  // One JWKS cache for both: the keys are fetched once, and again on an unknown kid.
  const jwksCache = new SimpleJwksCache({ fetcher: options.fetcher ?? new HttpJwksFetcher() });
  const verifierFor = (tokenUse: 'id' | 'access') =>
    JwtRsaVerifier.create(
      {
        issuer: options.issuer,
        jwksUri: options.jwksUri,
        // The client is checked below: an ID token's `aud`, an access token's `client_id`.
        audience: null,
        customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse, clientId: options.clientId, groups: null }),
      },
      { jwksCache },
    );
  const id = verifierFor('id');
  const access = verifierFor('access');
  // As in the seed, a missing token is just another token that does not verify.
  const verify = (verifier: typeof id, token: string | undefined) => (token ? verifier.verify(token) : Promise.reject(new Error('no token')));
  return {
    idToken: (token) => verify(id, token),
    accessToken: (token) => verify(access, token),
  };
}
