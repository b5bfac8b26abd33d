import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../crypto/constant-time.ts';
import { invalidGrant, invalidRequest } from './errors.ts';

// RFC 7636 §4.1: 43–128 characters of the unreserved set.
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
// An S256 challenge is the base64url SHA-256 of a verifier: exactly 43 characters.
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Checks the PKCE parameters of an authorization request. Only S256 is accepted (`plain` lets a
 * stolen request redeem the code); public clients must use it.
 */
export function assertPkceRequest(challenge: string | undefined, method: string | undefined, publicClient: boolean): void {
  if (challenge === undefined) {
    if (method !== undefined) throw invalidRequest('code_challenge_method without code_challenge');
    if (publicClient) throw invalidRequest('code_challenge is required for public clients (PKCE with S256)');
    return;
  }
  if (method !== 'S256') throw invalidRequest('code_challenge_method must be S256');
  if (!CHALLENGE.test(challenge)) throw invalidRequest('code_challenge is not a valid S256 challenge');
}

/** At the token endpoint: a code issued with a challenge needs the matching verifier, and only then. */
export function assertPkceVerifier(challenge: string | null, verifier: string | undefined): void {
  if (challenge === null) {
    if (verifier !== undefined) throw invalidGrant('code_verifier given for a code issued without code_challenge');
    return;
  }
  if (verifier === undefined) throw invalidGrant('code_verifier is required');
  if (!VERIFIER.test(verifier)) throw invalidGrant('code_verifier is malformed');
  const computed = createHash('sha256').update(verifier).digest('base64url');
  if (!constantTimeEqual(computed, challenge)) throw invalidGrant('code_verifier does not match the code_challenge');
}
