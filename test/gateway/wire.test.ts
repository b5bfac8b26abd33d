import { describe, expect, it } from 'vitest';
import { bearerToken } from '../../src/gateway/bearer-token.ts';
import {
  AuthorizerFailedError,
  BadGatewayError,
  BadRequestError,
  ForbiddenError,
  GatewayTimeoutError,
  RouteNotFoundError,
  UnauthorizedError,
} from '../../src/gateway/errors.ts';
import { authorizerContextHeaders, identityHeaders } from '../../src/gateway/identity-headers.ts';
import { clientHeaders } from '../../src/gateway/request-headers.ts';
import { compileTemplate } from '../../src/gateway/templates.ts';
import { wireError } from '../../src/gateway/wire.ts';

describe('errors on the wire', () => {
  it.each([
    [new BadRequestError('why'), 400, 'Bad Request'],
    [new RouteNotFoundError(), 404, 'Not Found'],
    [new UnauthorizedError(), 401, 'Unauthorized'],
    [new ForbiddenError(), 403, 'Forbidden'],
    [new AuthorizerFailedError('authorizer http://10.0.0.5/x answered HTTP 502'), 500, 'Internal Server Error'],
    [new BadGatewayError('connect ECONNREFUSED 10.0.0.5:8080'), 502, 'Bad Gateway'],
    [new GatewayTimeoutError('headers timeout'), 504, 'Gateway Timeout'],
    [new Error('SQLITE_BUSY: database is locked'), 500, 'Internal Server Error'],
  ])('answers %s with its status and API Gateway wording, and no detail', (error, status, message) => {
    const w = wireError(error);
    expect(w.status).toBe(status);
    expect(w.body).toEqual({ message });
  });

  it('challenges a request without credentials with no error code (RFC 6750 §3.1)', () => {
    expect(wireError(new UnauthorizedError()).headers).toEqual({ 'www-authenticate': 'Bearer realm="tessera"' });
  });

  it('names invalid_token and why when a token was refused', () => {
    expect(wireError(new UnauthorizedError('The token has expired')).headers['www-authenticate']).toBe('Bearer realm="tessera", error="invalid_token", error_description="The token has expired"');
  });

  it('keeps quotes, backslashes and controls out of quoted challenge values', () => {
    expect(wireError(new UnauthorizedError('a "b"\\\r\nc')).headers['www-authenticate']).toBe('Bearer realm="tessera", error="invalid_token", error_description="a bc"');
  });

  it('names insufficient_scope, and the scopes when the route lists them', () => {
    expect(wireError(new ForbiddenError()).headers['www-authenticate']).toBe('Bearer realm="tessera", error="insufficient_scope"');
    expect(wireError(new ForbiddenError(['api/read', 'api/admin'])).headers['www-authenticate']).toBe('Bearer realm="tessera", error="insufficient_scope", scope="api/read api/admin"');
  });

  it('sends no challenge with other errors', () => {
    expect(wireError(new BadGatewayError('x')).headers).toEqual({});
  });
});

describe('bearer tokens', () => {
  it('reads the token of a Bearer header, whatever the case of the scheme', () => {
    expect(bearerToken('Bearer a.b.c')).toBe('a.b.c');
    expect(bearerToken('bearer a.b.c')).toBe('a.b.c');
    expect(bearerToken('BEARER   a-b_c~+/=')).toBe('a-b_c~+/=');
  });

  it('finds none in another scheme, an empty header, or a value with spaces inside', () => {
    for (const h of [undefined, '', 'Bearer', 'Bearer ', 'Basic YWxpY2U6cHc=', 'Token a.b.c', 'Bearer a b', 'Bearera.b.c']) expect(bearerToken(h), String(h)).toBeUndefined();
  });
});

describe('templates', () => {
  const vars = { method: 'get', path: '/movies/{id}', params: { id: '42', rest: 'a/b' } };

  it('expands {method}, {path} and path parameters, once', () => {
    expect(compileTemplate('{method} {path}', ['id'], 'action')(vars)).toBe('get /movies/{id}');
    expect(compileTemplate('movie:{id}', ['id'], 'resource')(vars)).toBe('movie:42');
    expect(compileTemplate('files/{rest}', ['rest'], 'resource')(vars)).toBe('files/a/b');
    expect(compileTemplate('literal', [], 'x')(vars)).toBe('literal');
  });

  it('refuses unknown names and malformed placeholders when compiled', () => {
    expect(() => compileTemplate('movie:{movieId}', ['id'], 'resource')).toThrow(/resource "movie:\{movieId\}" names \{movieId\}/);
    expect(() => compileTemplate('movie:{id', ['id'], 'resource')).toThrow(/malformed placeholder/);
    expect(() => compileTemplate('movie:{}', ['id'], 'resource')).toThrow(/malformed placeholder/);
  });
});

describe('header hygiene', () => {
  it('removes identity headers in any spelling, method overrides, hop-by-hop and connection-listed headers', () => {
    const cleaned = clientHeaders({
      host: 'h',
      accept: '*/*',
      'x-tessera-sub': 'x',
      x_tessera_groups: 'x',
      'x-http-method-override': 'DELETE',
      x_method_override: 'DELETE',
      'x-http-method': 'DELETE',
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'y',
      'keep-alive': 'timeout=5',
      upgrade: 'websocket',
      expect: '100-continue',
      te: 'trailers',
      'proxy-authorization': 'Basic x',
      'x-tesseract': 'kept: not the prefix',
    });
    expect(cleaned).toEqual({ host: 'h', accept: '*/*', 'x-tesseract': 'kept: not the prefix' });
  });

  it('describes a verified token in identity headers, non-ASCII values as UTF-8 bytes', () => {
    const h = identityHeaders({
      poolId: 'us-east-1_P',
      claims: { sub: 's-1', token_use: 'access', iss: 'i', exp: 0, iat: 0, jti: 'j', auth_time: 0, client_id: 'c-1', scope: 'a b', username: 'zoë', 'cognito:groups': ['g1', 'g2'] },
    });
    expect(h).toEqual({
      'x-tessera-sub': 's-1',
      'x-tessera-username': Buffer.from('zoë', 'utf8').toString('latin1'),
      'x-tessera-groups': 'g1,g2',
      'x-tessera-client-id': 'c-1',
      'x-tessera-scopes': 'a b',
      'x-tessera-token-use': 'access',
      'x-tessera-user-pool': 'us-east-1_P',
    });
  });

  it('names the audience as the client of an ID token, and sends no scopes or empty groups for it', () => {
    const h = identityHeaders({ poolId: 'p', claims: { sub: 's', token_use: 'id', iss: 'i', exp: 0, iat: 0, jti: 'j', auth_time: 0, aud: 'c-2', 'cognito:username': 'u' } });
    expect(h).toEqual({ 'x-tessera-sub': 's', 'x-tessera-username': 'u', 'x-tessera-client-id': 'c-2', 'x-tessera-token-use': 'id', 'x-tessera-user-pool': 'p' });
  });

  it('turns an authorizer context into headers, skipping what cannot be one', () => {
    const skipped: string[] = [];
    const h = authorizerContextHeaders({ a: 's', N_um: 1.5, b: false, arr: [1], obj: { x: 1 }, 'sp ace': 'x', crlf: 'a\r\nb', nul: 'a\0b', tab: 'a\tb', nothing: null }, (k) => skipped.push(k));
    expect(h).toEqual({ 'x-tessera-authorizer-a': 's', 'x-tessera-authorizer-n-um': '1.5', 'x-tessera-authorizer-b': 'false', 'x-tessera-authorizer-tab': 'a\tb' });
    expect(skipped).toEqual(['sp ace', 'crlf', 'nul']);
  });
});
