import type { UserPoolClient } from '../userpools/model.ts';
import { STANDARD_SCOPES } from '../userpools/resource-servers.ts';
import { invalidScope } from './errors.ts';

export { STANDARD_SCOPES };

/**
 * The scopes a request gets: those asked for, each allowed to the client; all the client's allowed
 * scopes when none are asked for (Cognito's rule). Custom scopes must still exist in the pool.
 */
export function grantedScopes(client: UserPoolClient, requested: string | undefined, existingCustom: Set<string>, kind: 'user' | 'client_credentials'): string[] {
  const allowed = (client.settings.AllowedOAuthScopes ?? []).filter((s) => STANDARD_SCOPES.has(s) || existingCustom.has(s));
  const asked = requested === undefined || requested.trim() === '' ? allowed : [...new Set(requested.split(' ').filter(Boolean))];
  for (const scope of asked) {
    if (!allowed.includes(scope)) throw invalidScope(`scope ${scope} is not allowed for this client`);
    if (kind === 'client_credentials' && STANDARD_SCOPES.has(scope)) throw invalidScope(`scope ${scope} is not available to client_credentials`);
  }
  if (kind === 'user' && asked.length === 0) throw invalidScope('no scope is allowed for this client');
  if (kind === 'client_credentials' && asked.length === 0) throw invalidScope('client_credentials needs a custom scope');
  return asked;
}
