import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AnswerCache } from '../../src/gateway/authorizers/answer-cache.ts';
import { compileIdentitySource } from '../../src/gateway/authorizers/identity-source.ts';
import { clfTime, lambdaEvent } from '../../src/gateway/authorizers/lambda-payload.ts';
import type { AuthorizationRequest } from '../../src/gateway/authorizers/types.ts';
import { ManualClock } from '../../src/util/clock.ts';

const request = (over: Partial<AuthorizationRequest> = {}): AuthorizationRequest => ({
  method: 'POST',
  routeKey: 'POST /pets/{id}',
  rawPath: '/pets/a%2Bb',
  rawQuery: 'x=1&y=%20z&x=2',
  params: { id: 'a+b' },
  headers: { host: 'api.example.com:8443', authorization: 'Bearer t', cookie: 'a=1; b=2;c=3', 'x-multi': ['one', 'two'], 'user-agent': 'ua/1' },
  requestId: '00000000-0000-4000-8000-000000000000',
  sourceIp: '203.0.113.9',
  protocol: 'HTTP/1.1',
  host: 'api.example.com:8443',
  log: pino({ level: 'silent' }),
  ...over,
});

describe('the Lambda authorizer event (payload format 2.0)', () => {
  const now = Date.UTC(2020, 2, 12, 19, 3, 58, 390);

  it('builds every field API Gateway sends, from the raw request', () => {
    expect(lambdaEvent(request(), ['Bearer t'], 'eu-west-1', now)).toEqual({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:eu-west-1:000000000000:tessera/$default/POST/pets/a%2Bb',
      identitySource: ['Bearer t'],
      routeKey: 'POST /pets/{id}',
      rawPath: '/pets/a%2Bb',
      rawQueryString: 'x=1&y=%20z&x=2',
      cookies: ['a=1', 'b=2', 'c=3'],
      headers: { host: 'api.example.com:8443', authorization: 'Bearer t', 'x-multi': 'one,two', 'user-agent': 'ua/1' },
      queryStringParameters: { x: '1,2', y: ' z' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'tessera',
        domainName: 'api.example.com',
        domainPrefix: 'api',
        http: { method: 'POST', path: '/pets/a%2Bb', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'ua/1' },
        requestId: '00000000-0000-4000-8000-000000000000',
        routeKey: 'POST /pets/{id}',
        stage: '$default',
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: now,
      },
      pathParameters: { id: 'a+b' },
    });
  });

  it('leaves out cookies, query and path parameters when there are none', () => {
    const e = lambdaEvent(request({ rawQuery: '', params: {}, headers: { host: 'h' } }), [], 'us-east-1', now);
    expect(Object.keys(e)).not.toContain('cookies');
    expect(Object.keys(e)).not.toContain('queryStringParameters');
    expect(Object.keys(e)).not.toContain('pathParameters');
    expect(e.requestContext.http.userAgent).toBe('');
  });

  it('writes times in API Gateway common log format, padded and in UTC', () => {
    expect(clfTime(Date.UTC(2026, 0, 5, 3, 4, 5))).toBe('05/Jan/2026:03:04:05 +0000');
  });
});

describe('identity sources', () => {
  it('reads headers case-insensitively and joins repeated values', () => {
    expect(compileIdentitySource('$request.header.Authorization')(request())).toBe('Bearer t');
    expect(compileIdentitySource('$request.header.X-MULTI')(request())).toBe('one,two');
    expect(compileIdentitySource('$request.header.x-absent')(request())).toBeUndefined();
  });

  it('reads query parameters case-sensitively, decoded, repeated ones joined', () => {
    expect(compileIdentitySource('$request.querystring.x')(request())).toBe('1,2');
    expect(compileIdentitySource('$request.querystring.y')(request())).toBe(' z');
    expect(compileIdentitySource('$request.querystring.X')(request())).toBeUndefined();
  });

  it('reads context variables', () => {
    expect(compileIdentitySource('$context.routeKey')(request())).toBe('POST /pets/{id}');
    expect(compileIdentitySource('$context.identity.sourceIp')(request())).toBe('203.0.113.9');
    expect(compileIdentitySource('$context.httpMethod')(request())).toBe('POST');
    expect(compileIdentitySource('$context.domainName')(request())).toBe('api.example.com');
  });

  it('refuses a context variable it cannot read, rather than reading nothing', () => {
    expect(() => compileIdentitySource('$context.requestTimeEpoch')).toThrow(/is not one the gateway can read/);
    expect(() => compileIdentitySource('$context.nope')).toThrow(/is not one the gateway can read/);
  });
});

describe('the answer cache', () => {
  it('keeps an answer for its TTL on the domain clock, and not a moment longer', () => {
    const clock = new ManualClock();
    const cache = new AnswerCache<string>(1_000, clock);
    cache.set('k', 'v');
    clock.advance(999);
    expect(cache.get('k')).toBe('v');
    clock.advance(1);
    expect(cache.get('k')).toBeUndefined();
  });

  it('holds a bounded number of identities, dropping the oldest first', () => {
    const cache = new AnswerCache<number>(60_000, new ManualClock());
    for (let i = 0; i <= 10_000; i++) cache.set(`k${i}`, i);
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k1')).toBe(1);
    expect(cache.get('k10000')).toBe(10_000);
  });
});
