import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../crypto/constant-time.ts';
import { NotAuthorizedException } from '../errors.ts';
import type { UserPoolClient } from './model.ts';

/** Base64(HMAC-SHA256(key = client secret, message = username + client id)), as Cognito defines it. */
export function computeSecretHash(clientSecret: string, username: string, clientId: string): string {
  return createHmac('sha256', clientSecret).update(username + clientId).digest('base64');
}

/** For clients with a secret, the call must carry a SECRET_HASH made with it for this username. */
export function assertSecretHash(client: UserPoolClient, username: string, secretHash: string | undefined): void {
  if (client.secret === null) return;
  if (!secretHash) throw new NotAuthorizedException(`Client ${client.clientId} is configured with secret but SECRET_HASH was not received`);
  if (!constantTimeEqual(secretHash, computeSecretHash(client.secret, username, client.clientId))) {
    throw new NotAuthorizedException(`Unable to verify secret hash for client ${client.clientId}`);
  }
}
