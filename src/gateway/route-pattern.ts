/** One segment of a route's path template. */
export type PatternSegment = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string };

/** A route path (`/literal/{param}/{rest+}`) parsed once. */
export interface RoutePattern {
  path: string;
  segments: PatternSegment[];
  paramNames: string[];
}

/** Parses a path the config schema already accepted; what the regex cannot say (greedy last, unique names) is checked here. */
export function parseRoutePattern(path: string): RoutePattern {
  const raw = path === '/' ? [] : path.slice(1).split('/');
  const segments = raw.map((s): PatternSegment => {
    const m = /^\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}$/.exec(s);
    if (!m) return { kind: 'literal', value: s };
    return m[2] === '+' ? { kind: 'greedy', name: m[1] as string } : { kind: 'param', name: m[1] as string };
  });
  const greedyAt = segments.findIndex((s) => s.kind === 'greedy');
  if (greedyAt >= 0 && greedyAt !== segments.length - 1) throw new Error(`route ${path}: a greedy {name+} segment must be the last`);
  const paramNames = segments.flatMap((s) => (s.kind === 'literal' ? [] : [s.name]));
  const duplicate = paramNames.find((n, i) => paramNames.indexOf(n) !== i);
  if (duplicate) throw new Error(`route ${path}: path parameter {${duplicate}} appears twice`);
  return { path, segments, paramNames };
}

/**
 * Matches decoded request segments. A parameter takes one non-empty segment, a greedy one the
 * non-empty rest (at least one segment); so `//`, a trailing `/` or a missing segment never match.
 */
export function matchPattern(p: RoutePattern, segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < p.segments.length; i++) {
    const s = p.segments[i] as PatternSegment;
    if (s.kind === 'greedy') {
      const rest = segments.slice(i);
      if (rest.length === 0 || rest.some((r) => r === '')) return undefined;
      params[s.name] = rest.join('/');
      return params;
    }
    const value = segments[i];
    if (value === undefined || value === '') return undefined;
    if (s.kind === 'literal' && value !== s.value) return undefined;
    if (s.kind === 'param') params[s.name] = value;
  }
  return segments.length === p.segments.length ? params : undefined;
}

const RANK = { literal: 3, param: 2, greedy: 1 } as const;

/** Most specific first: segment by segment a literal beats a parameter, which beats a greedy parameter. */
export function compareSpecificity(a: RoutePattern, b: RoutePattern): number {
  const n = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const ra = a.segments[i] ? RANK[(a.segments[i] as PatternSegment).kind] : 0;
    const rb = b.segments[i] ? RANK[(b.segments[i] as PatternSegment).kind] : 0;
    if (ra !== rb) return rb - ra;
  }
  return 0;
}

/** Two patterns that match exactly the same requests (parameter names aside). */
export function sameShape(a: RoutePattern, b: RoutePattern): boolean {
  return (
    a.segments.length === b.segments.length &&
    a.segments.every((s, i) => {
      const o = b.segments[i] as PatternSegment;
      return s.kind === o.kind && (s.kind !== 'literal' || s.value === (o as { value: string }).value);
    })
  );
}
