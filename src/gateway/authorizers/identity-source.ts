import { ACCOUNT_ID, API_ID, domainNameOf, domainPrefixOf, queryParameters, STAGE, userAgentOf } from './lambda-payload.ts';
import type { AuthorizationRequest } from './types.ts';

/** Reads one identity source from a request; undefined or '' means it is missing. */
export type IdentityReader = (r: AuthorizationRequest) => string | undefined;

/**
 * The `$context` variables an identity source may name. Time-valued ones are left out: as a cache
 * key they would defeat the cache.
 */
const CONTEXT: Record<string, (r: AuthorizationRequest) => string> = {
  accountId: () => ACCOUNT_ID,
  apiId: () => API_ID,
  domainName: domainNameOf,
  domainPrefix: domainPrefixOf,
  httpMethod: (r) => r.method,
  path: (r) => r.rawPath,
  protocol: (r) => r.protocol,
  requestId: (r) => r.requestId,
  routeKey: (r) => r.routeKey,
  stage: () => STAGE,
  'identity.sourceIp': (r) => r.sourceIp,
  'identity.userAgent': userAgentOf,
};

/** Compiles an API Gateway selection expression: headers are case-insensitive, query names case-sensitive. */
export function compileIdentitySource(expression: string): IdentityReader {
  const header = /^\$request\.header\.(.+)$/.exec(expression);
  if (header) {
    const name = (header[1] as string).toLowerCase();
    return (r) => {
      const v = r.headers[name];
      return Array.isArray(v) ? v.join(',') : v;
    };
  }
  const query = /^\$request\.querystring\.(.+)$/.exec(expression);
  if (query) {
    const name = query[1] as string;
    return (r) => queryParameters(r.rawQuery)[name];
  }
  const context = /^\$context\.(.+)$/.exec(expression);
  const read = context ? CONTEXT[context[1] as string] : undefined;
  if (!read) throw new Error(`identity source ${expression} is not one the gateway can read (headers, query parameters, or $context.${Object.keys(CONTEXT).join('|')})`);
  return read;
}
