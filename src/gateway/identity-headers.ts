import type { VerifiedToken } from '../tokens/token-service.ts';

/** Every header the gateway vouches for starts with this; client copies are removed before anything else. */
export const IDENTITY_PREFIX = 'x-tessera-';

/**
 * The verified identity as headers for the upstream. Values are UTF-8 bytes on the wire (HTTP
 * allows them as obs-text), so a non-ASCII username arrives intact instead of crashing the proxy.
 */
export function identityHeaders(v: VerifiedToken): Record<string, string> {
  // The verified-token cache hands out the same object for a repeated token: build its headers once.
  let headers = built.get(v);
  if (!headers) built.set(v, (headers = buildIdentityHeaders(v)));
  return headers;
}

const built = new WeakMap<VerifiedToken, Record<string, string>>();

function buildIdentityHeaders(v: VerifiedToken): Record<string, string> {
  const c = v.claims;
  const groups = Array.isArray(c['cognito:groups']) ? c['cognito:groups'].filter((g): g is string => typeof g === 'string') : [];
  const username = c['cognito:username'] ?? c.username;
  const clientId = c.token_use === 'id' ? c.aud : c.client_id;
  const out: Record<string, string | undefined> = {
    'x-tessera-sub': c.sub,
    'x-tessera-username': typeof username === 'string' ? username : undefined,
    'x-tessera-groups': groups.length > 0 ? groups.join(',') : undefined,
    'x-tessera-client-id': typeof clientId === 'string' ? clientId : undefined,
    'x-tessera-scopes': c.token_use === 'access' && typeof c.scope === 'string' && c.scope !== '' ? c.scope : undefined,
    'x-tessera-token-use': c.token_use,
    'x-tessera-user-pool': v.poolId,
  };
  return headerValues(out);
}

/**
 * A Lambda authorizer's `context`: one `x-tessera-authorizer-<key>` per string, number or boolean
 * (what API Gateway can map to a header); arrays and objects are not forwarded. Keys that cannot be
 * header names and values with control characters are left out and reported through `skipped`.
 */
export function authorizerContextHeaders(context: Record<string, unknown>, skipped: (key: string) => void): Record<string, string> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(context)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    // `_` becomes `-`: some servers read them as the same character, so both spellings must mean one header.
    const name = key.toLowerCase().replaceAll('_', '-');
    const text = String(value);
    if (!/^[a-z0-9-]+$/.test(name) || /[\x00-\x08\x0a-\x1f\x7f]/.test(text)) {
      skipped(key);
      continue;
    }
    out[`${IDENTITY_PREFIX}authorizer-${name}`] = text;
  }
  return headerValues(out);
}

function headerValues(h: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = /^[\x00-\x7f]*$/.test(v) ? v : Buffer.from(v, 'utf8').toString('latin1');
  return out;
}
