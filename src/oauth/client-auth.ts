import { constantTimeEqual } from '../crypto/constant-time.ts';
import type { UserPools } from '../userpools/index.ts';
import type { UserPool, UserPoolClient } from '../userpools/model.ts';
import { invalidClient, invalidRequest } from './errors.ts';

export interface ClientCredentialsInput {
  authorization?: string;
  clientId?: string;
  clientSecret?: string;
}

/**
 * Authenticates the client at the token and revocation endpoints: `client_secret_basic` or
 * `client_secret_post` for clients with a secret; public clients only name themselves.
 */
export async function authenticateClient(userPools: UserPools, poolId: string, input: ClientCredentialsInput): Promise<{ client: UserPoolClient; pool: UserPool }> {
  let id = input.clientId;
  let secret = input.clientSecret;
  if (input.authorization) {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(input.authorization);
    if (!m) throw invalidClient('unsupported Authorization scheme');
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient('malformed Basic credentials');
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    const basicId = safeDecode(decoded.slice(0, colon));
    const basicSecret = safeDecode(decoded.slice(colon + 1));
    if (input.clientSecret !== undefined) throw invalidRequest('client authenticated by more than one method');
    if (id !== undefined && id !== basicId) throw invalidClient('client_id does not match the authenticated client');
    id = basicId;
    secret = basicSecret;
  }
  if (!id) throw invalidClient('client authentication is required');
  const client = await userPools.pools.describeClient(poolId, id).catch(() => undefined);
  if (!client) throw invalidClient('unknown client');
  if (client.secret !== null) {
    if (secret === undefined || !constantTimeEqual(secret, client.secret)) throw invalidClient('client authentication failed');
  } else if (secret !== undefined && secret !== '') {
    throw invalidClient('client has no secret');
  }
  return { client, pool: await userPools.directory.pool(poolId) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw invalidClient('malformed Basic credentials');
  }
}
