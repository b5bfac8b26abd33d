import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../src/gateway/errors.ts';
import { parseRequestTarget } from '../../src/gateway/request-target.ts';
import { type Method, type RouteEntry, RouteTable } from '../../src/gateway/route-table.ts';

const route = (path: string, ...methods: Array<Method | 'ANY'>): RouteEntry => ({ path, methods: methods.length ? methods : ['ANY'] });

/** Routes a raw URL as the gateway does: parse the target, then match. */
function routeOf(table: RouteTable<RouteEntry>, method: string, url: string) {
  const m = table.match(method, parseRequestTarget(url).segments);
  return m && { key: m.routeKey, params: m.params };
}

describe('request targets', () => {
  it('splits the raw path from the raw query without decoding either', () => {
    expect(parseRequestTarget('/a%20b/c?x=%2F&y')).toEqual({ rawPath: '/a%20b/c', rawQuery: 'x=%2F&y', segments: ['a b', 'c'] });
  });

  it('reads the root as no segments and keeps empty segments so that they never match', () => {
    expect(parseRequestTarget('/').segments).toEqual([]);
    expect(parseRequestTarget('//movies').segments).toEqual(['', 'movies']);
    expect(parseRequestTarget('/movies/').segments).toEqual(['movies', '']);
  });

  it.each([
    ['an encoded slash', '/movies%2F..%2Fshows'],
    ['an encoded slash in lower case', '/movies%2fshows'],
    ['an encoded backslash', '/movies%5Cshows'],
    ['an encoded backslash in lower case', '/movies%5cshows'],
    ['an encoded NUL', '/movies%00'],
    ['a raw backslash', '/movies\\..\\shows'],
    ['a dot-dot segment', '/movies/../shows'],
    ['a dot segment', '/movies/./x'],
    ['an encoded dot-dot segment', '/movies/%2e%2e/shows'],
    ['a mixed-case encoded dot-dot segment', '/movies/%2E%2e/shows'],
    ['a half-encoded dot-dot segment', '/movies/.%2E/shows'],
    ['an encoded dot segment', '/movies/%2e'],
    ['invalid percent-encoding', '/movies/%ZZ'],
    ['a truncated percent-encoding', '/movies/%4'],
    ['percent-encoded bytes that are not UTF-8', '/movies/%C0%AF'],
    ['a fragment', '/movies#x'],
    ['a path parameter that servlet containers would cut off', '/movies/secret;jsessionid=1'],
    ['an absolute-form target', 'http://upstream.internal/movies'],
    ['the asterisk form', '*'],
  ])('refuses a path with %s', (_what, url) => {
    expect(() => parseRequestTarget(url)).toThrow(BadRequestError);
  });

  it('does not mistake an encoded separator in the query for one in the path', () => {
    expect(parseRequestTarget('/movies?next=%2F..%2Fshows').segments).toEqual(['movies']);
  });

  it('takes an encoded semicolon as data', () => {
    expect(parseRequestTarget('/movies/a%3Bb').segments).toEqual(['movies', 'a;b']);
  });

  it('accepts dots that are not whole segments', () => {
    expect(parseRequestTarget('/files/.hidden/a..b/...').segments).toEqual(['files', '.hidden', 'a..b', '...']);
  });
});

describe('the route table', () => {
  const table = new RouteTable([
    route('/movies', 'GET'),
    route('/movies/top', 'GET'),
    route('/movies/{id}', 'GET', 'DELETE'),
    route('/movies/{id}', 'ANY'),
    route('/movies/{id}/cast/{person}', 'GET'),
    route('/files/{path+}', 'GET'),
    route('/{proxy+}', 'POST'),
    route('/', 'GET'),
  ]);

  it('matches literal paths exactly', () => {
    expect(routeOf(table, 'GET', '/movies')).toEqual({ key: 'GET /movies', params: {} });
    expect(routeOf(table, 'GET', '/')).toEqual({ key: 'GET /', params: {} });
  });

  it('prefers a literal segment to a parameter, whatever the order of declaration', () => {
    expect(routeOf(table, 'GET', '/movies/top')).toEqual({ key: 'GET /movies/top', params: {} });
    const reversed = new RouteTable([route('/movies/{id}', 'GET'), route('/movies/top', 'GET')]);
    expect(routeOf(reversed, 'GET', '/movies/top')?.key).toBe('GET /movies/top');
  });

  it('prefers a one-segment parameter to a greedy one', () => {
    const t = new RouteTable([route('/a/{rest+}', 'GET'), route('/a/{one}', 'GET')]);
    expect(routeOf(t, 'GET', '/a/b')?.key).toBe('GET /a/{one}');
    expect(routeOf(t, 'GET', '/a/b/c')).toEqual({ key: 'GET /a/{rest+}', params: { rest: 'b/c' } });
  });

  it('prefers a route naming the method to an ANY route on the same path', () => {
    expect(routeOf(table, 'GET', '/movies/42')).toEqual({ key: 'GET /movies/{id}', params: { id: '42' } });
    expect(routeOf(table, 'PUT', '/movies/42')).toEqual({ key: 'ANY /movies/{id}', params: { id: '42' } });
  });

  it('falls back to a less specific path when the specific one does not take the method', () => {
    expect(routeOf(table, 'POST', '/movies/top')).toEqual({ key: 'ANY /movies/{id}', params: { id: 'top' } });
  });

  it('gives decoded segments as path parameters', () => {
    expect(routeOf(table, 'GET', '/movies/the%20matrix/cast/keanu%40example')).toEqual({ key: 'GET /movies/{id}/cast/{person}', params: { id: 'the matrix', person: 'keanu@example' } });
    expect(routeOf(table, 'GET', '/files/a%20b/c.txt')).toEqual({ key: 'GET /files/{path+}', params: { path: 'a b/c.txt' } });
  });

  it('compares literal segments after decoding, so an encoded letter names the same path', () => {
    expect(routeOf(table, 'GET', '/mo%76ies')?.key).toBe('GET /movies');
  });

  it('finds nothing for another case, a trailing slash, a double slash or a missing segment', () => {
    for (const url of ['/Movies', '/MOVIES', '/movies/', '//movies', '/movies//42', '/movies/42/cast', '/movies/42/cast/', '/files', '/files/', '/files/a//b', '/files/a/']) {
      expect(routeOf(table, 'GET', url), url).toBeUndefined();
    }
  });

  it('finds nothing when the path matches but no route takes the method, as API Gateway answers 404', () => {
    expect(routeOf(table, 'DELETE', '/movies')).toBeUndefined();
    expect(routeOf(table, 'HEAD', '/movies')).toBeUndefined();
  });

  it('lets ANY take only the methods a route may name', () => {
    expect(routeOf(table, 'TRACE', '/movies/42')).toBeUndefined();
    expect(routeOf(table, 'OPTIONS', '/movies/42')?.key).toBe('ANY /movies/{id}');
  });

  it('lets a greedy parameter at the root take any path of at least one segment', () => {
    expect(routeOf(table, 'POST', '/x/y/z')).toEqual({ key: 'POST /{proxy+}', params: { proxy: 'x/y/z' } });
    expect(routeOf(table, 'POST', '/')).toBeUndefined();
  });

  it('refuses two routes that would answer the same request', () => {
    expect(() => new RouteTable([route('/movies/{id}', 'GET'), route('/movies/{name}', 'GET', 'POST')])).toThrow(/both take GET/);
    expect(() => new RouteTable([route('/movies'), route('/movies')])).toThrow(/both take ANY/);
    expect(() => new RouteTable([route('/movies', 'GET'), route('/movies', 'ANY'), route('/movies/{id}', 'GET')])).not.toThrow();
  });

  it('refuses a greedy parameter that is not last and a parameter named twice', () => {
    expect(() => new RouteTable([route('/{rest+}/x', 'GET')])).toThrow(/must be the last/);
    expect(() => new RouteTable([route('/{id}/{id}', 'GET')])).toThrow(/appears twice/);
  });
});
