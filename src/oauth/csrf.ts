import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../crypto/constant-time.ts';

/**
 * CSRF tokens bound to a per-browser random cookie: the form token is an HMAC of the cookie value
 * under a server secret every instance shares, so no state is kept and a forged cross-site form
 * (which cannot read the cookie) cannot produce it.
 */
export class CsrfTokens {
  constructor(private readonly secret: string) {}

  issue(browserId: string, poolId: string): string {
    return createHmac('sha256', this.secret).update(`${poolId}\n${browserId}`).digest('base64url');
  }

  verify(browserId: string | undefined, poolId: string, token: unknown): boolean {
    if (!browserId || typeof token !== 'string' || token.length > 100) return false;
    return constantTimeEqual(this.issue(browserId, poolId), token);
  }
}
