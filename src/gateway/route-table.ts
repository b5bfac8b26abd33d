import { compareSpecificity, matchPattern, parseRoutePattern, type RoutePattern, sameShape } from './route-pattern.ts';

/** The methods a route may name; `ANY` stands for all of them, as in API Gateway. */
export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type Method = (typeof METHODS)[number];

export interface RouteEntry {
  path: string;
  methods: ReadonlyArray<Method | 'ANY'>;
}

export interface RouteMatch<R> {
  route: R;
  pattern: RoutePattern;
  /** API Gateway's route key: `GET /movies`, or `ANY /movies` when matched through ANY. */
  routeKey: string;
  params: Record<string, string>;
}

interface Compiled<R> {
  route: R;
  pattern: RoutePattern;
  methods: Set<string>;
  any: boolean;
}

/**
 * The gateway's routes in API Gateway's priority order: the most specific path first, and for the
 * same path a route naming the method before an `ANY` route. A request whose path matches but whose
 * method no route takes is not found, as in API Gateway HTTP APIs.
 */
export class RouteTable<R extends RouteEntry> {
  private readonly routes: Array<Compiled<R>>;

  constructor(routes: readonly R[]) {
    const compiled = routes.map((route) => ({
      route,
      pattern: parseRoutePattern(route.path),
      methods: new Set<string>(route.methods.filter((m) => m !== 'ANY')),
      any: route.methods.includes('ANY'),
    }));
    assertNoConflicts(compiled);
    this.routes = compiled.sort((a, b) => compareSpecificity(a.pattern, b.pattern) || Number(a.any) - Number(b.any));
  }

  match(method: string, segments: string[]): RouteMatch<R> | undefined {
    const known = (METHODS as readonly string[]).includes(method);
    for (const c of this.routes) {
      const named = c.methods.has(method);
      if (!named && !(c.any && known)) continue;
      const params = matchPattern(c.pattern, segments);
      if (params) return { route: c.route, pattern: c.pattern, routeKey: `${named ? method : 'ANY'} ${c.pattern.path}`, params };
    }
    return undefined;
  }
}

/** Two routes that would answer the same request are a configuration mistake, not a tie to break silently. */
function assertNoConflicts<R>(routes: Array<Compiled<R>>): void {
  for (let i = 0; i < routes.length; i++) {
    for (let j = i + 1; j < routes.length; j++) {
      const a = routes[i] as Compiled<R>;
      const b = routes[j] as Compiled<R>;
      if (!sameShape(a.pattern, b.pattern)) continue;
      const shared = [...a.methods].filter((m) => b.methods.has(m));
      if (a.any && b.any) shared.push('ANY');
      if (shared.length > 0) throw new Error(`gateway routes ${a.pattern.path} and ${b.pattern.path} both take ${shared.join(', ')}`);
    }
  }
}
