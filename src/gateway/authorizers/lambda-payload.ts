import type { AuthorizationRequest } from './types.ts';

/** Tessera has no AWS account or API id; these fixed values keep ARNs well-formed for code that parses them. */
export const ACCOUNT_ID = '000000000000';
export const API_ID = 'tessera';
export const STAGE = '$default';

/** `$context` as an HTTP API Lambda authorizer sees it (format 2.0), for one request. */
export interface LambdaRequestContext {
  accountId: string;
  apiId: string;
  domainName: string;
  domainPrefix: string;
  http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
  requestId: string;
  routeKey: string;
  stage: string;
  time: string;
  timeEpoch: number;
}

/** API Gateway HTTP API Lambda authorizer payload, format version 2.0, field for field. */
export interface LambdaAuthorizerEvent {
  version: '2.0';
  type: 'REQUEST';
  routeArn: string;
  identitySource: string[];
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: LambdaRequestContext;
  pathParameters?: Record<string, string>;
}

/** The Host without its port, as API Gateway's `domainName`. */
export function domainNameOf(r: AuthorizationRequest): string {
  return r.host.replace(/:\d+$/, '');
}

export function domainPrefixOf(r: AuthorizationRequest): string {
  return domainNameOf(r).split('.')[0] ?? '';
}

export function userAgentOf(r: AuthorizationRequest): string {
  const v = r.headers['user-agent'];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

export function requestContextOf(r: AuthorizationRequest, now: number): LambdaRequestContext {
  return {
    accountId: ACCOUNT_ID,
    apiId: API_ID,
    domainName: domainNameOf(r),
    domainPrefix: domainPrefixOf(r),
    http: { method: r.method, path: r.rawPath, protocol: r.protocol, sourceIp: r.sourceIp, userAgent: userAgentOf(r) },
    requestId: r.requestId,
    routeKey: r.routeKey,
    stage: STAGE,
    time: clfTime(now),
    timeEpoch: now,
  };
}

/**
 * The event for one request. As in API Gateway: header names are lower case and repeated values
 * joined by commas, the Cookie header becomes `cookies`, repeated query parameters are joined by
 * commas, and empty collections are left out.
 */
export function lambdaEvent(r: AuthorizationRequest, identitySource: string[], region: string, now: number): LambdaAuthorizerEvent {
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, value] of Object.entries(r.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies = (Array.isArray(value) ? value.join('; ') : value).split(';').map((c) => c.trim()).filter(Boolean);
    else headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query = queryParameters(r.rawQuery);
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:${region}:${ACCOUNT_ID}:${API_ID}/${STAGE}/${r.method}${r.rawPath}`,
    identitySource,
    routeKey: r.routeKey,
    rawPath: r.rawPath,
    rawQueryString: r.rawQuery,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    requestContext: requestContextOf(r, now),
    ...(Object.keys(r.params).length > 0 && { pathParameters: r.params }),
  };
}

/** Decoded query parameters, repeated ones joined by commas. */
export function queryParameters(rawQuery: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) out[k] = k in out ? `${out[k]},${v}` : v;
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, API Gateway's `requestContext.time`. */
export function clfTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
