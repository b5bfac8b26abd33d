/**
 * The CEL that Cerbos conditions speak: the standard library, the cel-go extensions Cerbos enables
 * (strings, sets, lists) and Cerbos' own functions (docs/modules/policies/pages/conditions.adoc).
 * Expected values are what Cerbos 0.55 answers for the same expressions.
 */
import type { CelInput, CelResult, CelValue } from '@bufbuild/cel';
import { isCelError } from '@bufbuild/cel';
import { describe, expect, it } from 'vitest';
import { CelCompileError, type CelBindings, compileExpression } from '../../../src/authz/cerbos/cel/expressions.ts';
import { fromCel, toCel } from '../../../src/authz/cerbos/cel/values.ts';
import { check } from '../../../src/authz/cerbos/engine.ts';
import { NOW, compile, engineOptions, principal, request, resource, yaml } from './support.ts';

/** Bindings with the given resource and principal attributes and nothing else. */
function bindings(resourceAttr: Record<string, unknown> = {}, principalAttr: Record<string, unknown> = {}): CelBindings {
  const P = new Map<string, CelInput>([
    ['id', 'alice'],
    ['roles', ['user']],
    ['attr', toCel(principalAttr)],
  ]);
  const R = new Map<string, CelInput>([
    ['kind', 'doc'],
    ['id', 'r1'],
    ['attr', toCel(resourceAttr)],
  ]);
  const empty = new Map<string, CelInput>();
  return { request: new Map([['principal', P], ['resource', R]]), P, R, V: empty, variables: empty, C: empty, constants: empty, G: empty, globals: empty, runtime: new Map([['effectiveDerivedRoles', []]]) };
}

function evaluate(source: string, resourceAttr: Record<string, unknown> = {}): CelResult {
  return compileExpression(source).evaluate(bindings(resourceAttr));
}

/** The value of an expression, as JSON (Cerbos renders outputs the same way). */
function value(source: string, resourceAttr: Record<string, unknown> = {}): unknown {
  const v = evaluate(source, resourceAttr);
  if (isCelError(v)) throw new Error(`${source} failed: ${v.message}`);
  return fromCel(v as CelValue);
}

function fails(source: string, resourceAttr: Record<string, unknown> = {}): string {
  const v = evaluate(source, resourceAttr);
  if (!isCelError(v)) throw new Error(`${source} evaluated to ${JSON.stringify(fromCel(v as CelValue))}, not an error`);
  return v.message;
}

describe('list functions Cerbos adds', () => {
  it('hasIntersection and has_intersection tell whether two lists share an element, as calls and as methods', () => {
    expect(value('hasIntersection([1, 2], [2, 3])')).toBe(true);
    expect(value('has_intersection(["a"], ["b"])')).toBe(false);
    expect(value('[1, 2].hasIntersection([3])')).toBe(false);
    expect(value('R.attr.tags.hasIntersection(["x", "y"])', { tags: ['y', 'z'] })).toBe(true);
  });

  it('intersect keeps the elements in both lists, without repeats from the first', () => {
    expect(value('intersect([1, 2, 3, 2], [2, 3, 4])')).toEqual([2, 3]);
    expect(value('[1, 2, 3].intersect([3, 1])')).toEqual([3, 1]);
  });

  it('except keeps the elements of the first list that the second lacks', () => {
    expect(value('except([1, 2, 3, 2], [2])')).toEqual([1, 3]);
    expect(value('["a", "b"].except(["a"])')).toEqual(['b']);
  });

  it('isSubset and is_subset tell whether every element of the first list is in the second', () => {
    expect(value('isSubset([1], [1, 2])')).toBe(true);
    expect(value('[1, 3].isSubset([1, 2])')).toBe(false);
    expect(value('[].isSubset([1])')).toBe(true);
    expect(value('is_subset([1], [1])')).toBe(true);
  });

  it('compare numbers across int and double, as attributes are doubles', () => {
    expect(value('R.attr.levels.hasIntersection([2, 3])', { levels: [1, 2] })).toBe(true);
    expect(value('[1, 2].isSubset(R.attr.levels)', { levels: [1, 2, 3] })).toBe(true);
  });
});

describe('inIPAddrRange', () => {
  it('tells whether an IPv4 address is in a CIDR range', () => {
    expect(value('"10.20.1.5".inIPAddrRange("10.20.0.0/16")')).toBe(true);
    expect(value('"10.21.1.5".inIPAddrRange("10.20.0.0/16")')).toBe(false);
    expect(value('"10.1.2.3".inIPAddrRange("10.1.2.3/32")')).toBe(true);
    expect(value('"10.1.2.3".inIPAddrRange("10.1.2.0/30")')).toBe(true);
    expect(value('"10.1.2.4".inIPAddrRange("10.1.2.0/30")')).toBe(false);
  });

  it('tells whether an IPv6 address is in a CIDR range', () => {
    expect(value('"2001:db8::1".inIPAddrRange("2001:db8::/32")')).toBe(true);
    expect(value('"2001:db9::1".inIPAddrRange("2001:db8::/32")')).toBe(false);
  });

  it('never puts an address in a range of the other family, except an IPv4-mapped IPv6 address', () => {
    expect(value('"10.0.0.1".inIPAddrRange("2001:db8::/32")')).toBe(false);
    expect(value('"::ffff:10.0.0.1".inIPAddrRange("10.0.0.0/8")')).toBe(true);
  });

  it('fails on an invalid address or range, which makes a condition false', () => {
    expect(fails('R.attr.ip.inIPAddrRange("10.0.0.0/8")', { ip: 'bad' })).toBe('invalid IP address: bad');
    expect(fails('"10.1.2.3".inIPAddrRange(R.attr.cidr)', { cidr: 'bad' })).toBe('invalid CIDR address: bad');
    expect(fails('"10.1.2.3".inIPAddrRange(R.attr.cidr)', { cidr: '10.0.0.0/33' })).toBe('invalid CIDR address: 10.0.0.0/33');
    expect(fails('"10.1.2.3".inIPAddrRange(R.attr.cidr)', { cidr: '10.0.0.0' })).toBe('invalid CIDR address: 10.0.0.0');

    const table = compile(yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: default
        resource: doc
        rules:
          - actions: [view]
            effect: EFFECT_ALLOW
            roles: [user]
            condition:
              match:
                expr: P.attr.ip.inIPAddrRange("10.0.0.0/8")
    `);
    const view = (ip: string) => check(table, request(principal('u', ['user'], { ip }), resource('doc'), ['view']), engineOptions()).actions.get('view')?.effect;
    expect(view('10.9.8.7')).toBe('EFFECT_ALLOW');
    expect(view('11.9.8.7')).toBe('EFFECT_DENY');
    expect(view('not-an-ip')).toBe('EFFECT_DENY');
  });
});

describe('hierarchy', () => {
  it('splits on dots, or on the delimiter given, or takes a list of segments', () => {
    expect(value('hierarchy("a.b.c").size()')).toBe(3);
    expect(value('hierarchy("a.b.c")[1]')).toBe('b');
    expect(value('hierarchy("a:b:c", ":")[2]')).toBe('c');
    expect(value('hierarchy("a.b") == hierarchy(["a", "b"])')).toBe(true);
    expect(value('hierarchy("").size()')).toBe(1);
    expect(value('hierarchy("a..b").size()')).toBe(3);
  });

  it('ancestorOf and descendentOf compare strict prefixes', () => {
    expect(value('hierarchy("a.b.c").ancestorOf(hierarchy("a.b.c.d"))')).toBe(true);
    expect(value('hierarchy("a.b").ancestorOf(hierarchy("a.b"))')).toBe(false);
    expect(value('hierarchy("a.b").ancestorOf(hierarchy("a.c.d"))')).toBe(false);
    expect(value('hierarchy("a.b.c.d").descendentOf(hierarchy("a.b"))')).toBe(true);
    expect(value('hierarchy("a.b").descendentOf(hierarchy("a.b.c"))')).toBe(false);
  });

  it('immediateChildOf and immediateParentOf compare prefixes one level apart', () => {
    expect(value('hierarchy("a.b.c").immediateChildOf(hierarchy("a.b"))')).toBe(true);
    expect(value('hierarchy("a.b.c.d").immediateChildOf(hierarchy("a.b"))')).toBe(false);
    expect(value('hierarchy("a.b").immediateParentOf(hierarchy("a.b.c"))')).toBe(true);
    expect(value('hierarchy(["x", "y"]).immediateParentOf(hierarchy("x.y.z"))')).toBe(true);
    expect(value('hierarchy("a.b").immediateParentOf(hierarchy("a.c.d"))')).toBe(false);
  });

  it('siblingOf holds for hierarchies of one length with one parent, including a hierarchy and itself', () => {
    expect(value('hierarchy("a.b.c").siblingOf(hierarchy("a.b.d"))')).toBe(true);
    expect(value('hierarchy("a.b.c").siblingOf(hierarchy("a.b.c"))')).toBe(true);
    expect(value('hierarchy("a.x.c").siblingOf(hierarchy("a.b.c"))')).toBe(false);
    expect(value('hierarchy("a").siblingOf(hierarchy("b"))')).toBe(true);
    expect(value('hierarchy("a.b").siblingOf(hierarchy("a.b.c"))')).toBe(false);
  });

  it('overlaps holds when either is a prefix of the other', () => {
    expect(value('hierarchy("a.b").overlaps(hierarchy("a.b.c"))')).toBe(true);
    expect(value('hierarchy("a.b.c").overlaps(hierarchy("a.b"))')).toBe(true);
    expect(value('hierarchy("a.b").overlaps(hierarchy("a.b"))')).toBe(true);
    expect(value('hierarchy("a.b").overlaps(hierarchy("a.c"))')).toBe(false);
  });

  it('commonAncestors is the shared prefix, short of the last segment of equal hierarchies', () => {
    expect(value('hierarchy("a.b.c.d").commonAncestors(hierarchy("a.b.x")) == hierarchy("a.b")')).toBe(true);
    expect(value('hierarchy("a.b.c").commonAncestors(hierarchy("a.b.c")) == hierarchy("a.b")')).toBe(true);
    expect(value('hierarchy("a.b").commonAncestors(hierarchy("a.b.c")).size()')).toBe(2);
    expect(value('hierarchy("a.b").commonAncestors(hierarchy("a.b.c"))[1]')).toBe('b');
    expect(value('hierarchy("a.b.c").commonAncestors(hierarchy("x.y")).size()')).toBe(0);
  });

  it('reads hierarchies from attributes', () => {
    expect(value('hierarchy(R.attr.path).descendentOf(hierarchy(R.attr.root))', { path: 'org.eng.web', root: 'org' })).toBe(true);
  });
});

describe('timestamps and durations', () => {
  it('add and subtract durations and timestamps', () => {
    expect(value('timestamp("2024-01-01T00:00:00Z") + duration("36h")')).toBe('2024-01-02T12:00:00Z');
    expect(value('timestamp("2024-01-01T10:00:00Z") - duration("90m")')).toBe('2024-01-01T08:30:00Z');
    expect(value('timestamp("2024-03-01T00:00:00Z") - timestamp("2024-02-01T00:00:00Z")')).toBe('2505600s');
    expect(value('timestamp(R.attr.at) + duration("1h") > timestamp("2024-01-01T10:30:00Z")', { at: '2024-01-01T10:00:00Z' })).toBe(true);
  });

  it('compare timestamps and durations', () => {
    expect(value('duration("90s") > duration("1m")')).toBe(true);
    expect(value('timestamp("2024-01-01T00:00:00Z") < timestamp("2024-01-02T00:00:00Z")')).toBe(true);
  });

  it('read the parts of a timestamp in UTC, or in the time zone given', () => {
    expect(value('timestamp("2024-01-01T10:00:00Z").getHours()')).toBe(10);
    expect(value('timestamp("2024-01-01T10:00:00Z").getHours("Asia/Kolkata")')).toBe(15);
    expect(value('timestamp("2024-01-01T10:00:00Z").getDayOfWeek()')).toBe(1);
    expect(value('timestamp("2024-02-29T10:00:00Z").getDayOfYear()')).toBe(59);
    expect(value('timestamp("2024-12-31T10:00:00Z").getMonth()')).toBe(11);
    expect(value('timestamp("2024-12-31T10:00:00Z").getFullYear()')).toBe(2024);
    expect(value('duration("1h30m").getMinutes()')).toBe(90);
  });

  describe('now() and timeSince()', () => {
    const table = compile(yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: default
        resource: doc
        rules:
          - actions: [clock]
            effect: EFFECT_ALLOW
            roles: [user]
            output:
              when:
                ruleActivated: '[now(), timeSince(timestamp(R.attr.created)), timestamp(R.attr.created).timeSince()]'
          - actions: [fresh]
            effect: EFFECT_ALLOW
            roles: [user]
            condition:
              match:
                expr: timeSince(timestamp(R.attr.created)) < duration("24h")
          - actions: [same_instant]
            effect: EFFECT_ALLOW
            roles: [user]
            condition:
              match:
                expr: now() == now() && now() == timestamp("2024-06-15T12:00:00Z")
    `);
    const created = (iso: string) => resource('doc', { created: iso });
    const u = principal('u', ['user']);

    it('read the clock of the engine options', () => {
      const out = check(table, request(u, created('2024-06-15T10:30:00Z'), ['clock']), engineOptions());
      expect(out.outputs).toEqual([{ src: 'resource.doc.vdefault#rule-001', action: 'clock', val: ['2024-06-15T12:00:00Z', '5400s', '5400s'] }]);
      const later = check(table, request(u, created('2024-06-15T10:30:00Z'), ['clock']), engineOptions({ now: () => NOW + 60_000 }));
      expect(later.outputs[0]!.val).toEqual(['2024-06-15T12:01:00Z', '5460s', '5460s']);
    });

    it('decide conditions by that clock, one instant for the whole request', () => {
      const fresh = (iso: string, now = NOW) => check(table, request(u, created(iso), ['fresh', 'same_instant']), engineOptions({ now: () => now })).actions;
      expect(fresh('2024-06-15T00:00:00Z').get('fresh')?.effect).toBe('EFFECT_ALLOW');
      expect(fresh('2024-06-14T11:00:00Z').get('fresh')?.effect).toBe('EFFECT_DENY');
      expect(fresh('2024-06-15T00:00:00Z', NOW + 13 * 3_600_000).get('fresh')?.effect).toBe('EFFECT_DENY');
      expect(fresh('2024-06-15T00:00:00Z').get('same_instant')?.effect).toBe('EFFECT_ALLOW');
      expect(fresh('2024-06-15T00:00:00Z', NOW + 1).get('same_instant')?.effect).toBe('EFFECT_DENY');
    });
  });
});

describe('the strings extension', () => {
  it('changes the case of ASCII letters', () => {
    expect(value('"HeLLo".lowerAscii()')).toBe('hello');
    expect(value('"HeLLo".upperAscii()')).toBe('HELLO');
  });

  it('splits on a separator', () => {
    expect(value('"a,b,c".split(",")')).toEqual(['a', 'b', 'c']);
    expect(value('"a b c".split(" ", 0)')).toEqual([]);
    expect(value('"a b c".split(" ", 1)')).toEqual(['a b c']);
    expect(value('"a b c".split(" ", -1)')).toEqual(['a', 'b', 'c']);
  });

  it('splits into at most n parts, the last holding the rest', () => {
    expect(value('"a,b,c".split(",", 2)')).toEqual(['a', 'b,c']);
  });

  it('trims, replaces, finds and cuts', () => {
    expect(value('"  x  ".trim()')).toBe('x');
    expect(value('"hello".replace("l", "L")')).toBe('heLLo');
    expect(value('"hello".replace("l", "L", 1)')).toBe('heLlo');
    expect(value('"hello".indexOf("l")')).toBe(2);
    expect(value('"hello".lastIndexOf("l")')).toBe(3);
    expect(value('"hello".substring(1, 3)')).toBe('el');
    expect(value('"hello".charAt(1)')).toBe('e');
  });

  it('joins and formats', () => {
    expect(value('["a", "b"].join("-")')).toBe('a-b');
    expect(value('"%s-%d".format(["a", 5])')).toBe('a-5');
  });

  it('quotes a string', () => {
    expect(value('strings.quote("ab")')).toBe('"ab"');
    expect(value('strings.quote(R.attr.s)', { s: 'a"b' })).toBe('"a\\"b"');
  });

  it('reverses a string', () => {
    expect(value('"abc".reverse()')).toBe('cba');
  });

  it('works alongside the standard string functions', () => {
    expect(value('size("héllo")')).toBe(5);
    expect(value('"abc".matches("^a.c$") && "abc".startsWith("ab") && "abc".endsWith("bc") && "abc".contains("b")')).toBe(true);
  });
});

describe('the sets extension', () => {
  it('sets.contains tells whether the first list holds every element of the second', () => {
    expect(value('sets.contains([1, 2, 3], [1, 3])')).toBe(true);
    expect(value('sets.contains([1], [1, 2])')).toBe(false);
  });

  it('sets.equivalent ignores order and repeats', () => {
    expect(value('sets.equivalent([1, 2, 2], [2, 1])')).toBe(true);
    expect(value('sets.equivalent([1, 2], [1])')).toBe(false);
  });

  it('sets.intersects tells whether the lists share an element', () => {
    expect(value('sets.intersects([1], [2])')).toBe(false);
    expect(value('sets.intersects(R.attr.tags, ["b"])', { tags: ['a', 'b'] })).toBe(true);
  });
});

describe('the lists extension', () => {
  it('distinct drops repeats, keeping first occurrences', () => {
    expect(value('[1, 2, 2, 3, 1].distinct()')).toEqual([1, 2, 3]);
  });

  it('flatten flattens one level', () => {
    expect(value('[[1, 2], [3], 4].flatten()')).toEqual([1, 2, 3, 4]);
  });

  it('reverse reverses a list', () => {
    expect(value('[1, 2, 3].reverse()')).toEqual([3, 2, 1]);
  });

  it('slice takes the elements from one index to before another, and fails out of bounds', () => {
    expect(value('[1, 2, 3, 4].slice(1, 3)')).toEqual([2, 3]);
    expect(value('R.attr.l.slice(0, 0)', { l: [1] })).toEqual([]);
    fails('R.attr.l.slice(0, 4)', { l: [1, 2, 3] });
    fails('R.attr.l.slice(2, 1)', { l: [1, 2, 3] });
  });

  it('lists.range counts from zero', () => {
    expect(value('lists.range(3)')).toEqual([0, 1, 2]);
  });

  it('sort orders a list', () => {
    expect(value('[3, 1, 2].sort()')).toEqual([1, 2, 3]);
  });
});

describe('the standard macros and conversions', () => {
  it('evaluate exists, all, exists_one, filter and map', () => {
    expect(value('[1, 2, 3].exists(x, x > 2)')).toBe(true);
    expect(value('[1, 2, 3].all(x, x > 0)')).toBe(true);
    expect(value('[1, 2, 3].exists_one(x, x > 2)')).toBe(true);
    expect(value('[1, 2, 3].filter(x, x > 1)')).toEqual([2, 3]);
    expect(value('[1, 2, 3].map(x, x * 2)')).toEqual([2, 4, 6]);
    expect(value('{"a": 1}.exists(k, k == "a")')).toBe(true);
  });

  it('treat JSON numbers in attributes as doubles', () => {
    expect(value('R.attr.n == 1 && R.attr.n + 1.0 == 2.0', { n: 1 })).toBe(true);
    expect(fails('R.attr.n + 1', { n: 1 })).toMatch(/overload/);
  });
});

describe('compiling an expression', () => {
  const refusal = (source: string): string => {
    try {
      compileExpression(source);
    } catch (e) {
      expect(e).toBeInstanceOf(CelCompileError);
      return (e as Error).message;
    }
    throw new Error(`${source} compiled`);
  };

  it('refuses a syntax error', () => {
    expect(refusal('R.attr.x ==')).toContain('invalid expression `R.attr.x ==`');
  });

  it('refuses an unknown function, as a call or as a method', () => {
    expect(refusal('foo(1)')).toContain("undeclared reference to 'foo'");
    expect(refusal('P.attr.x.foo(1)')).toContain("undeclared reference to 'foo'");
  });

  it('refuses an unknown identifier, but not the variables of a macro', () => {
    expect(refusal('unknownIdent == 1')).toContain("undeclared reference to 'unknownIdent'");
    expect(refusal('x.exists(y, y > 1)')).toContain("undeclared reference to 'x'");
    expect(() => compileExpression('R.attr.list.exists(y, y > 1)')).not.toThrow();
  });

  it('refuses operands no overload accepts', () => {
    expect(refusal('1 + "a"')).toContain("found no matching overload for '_+_'");
  });

  it('refuses an invalid timestamp or duration literal', () => {
    expect(refusal('timestamp("nope") < now()')).toContain('timestamp');
    expect(refusal('duration("nope") > duration("1s")')).toContain('duration');
  });

  it('refuses an invalid regular expression literal, even when the string it tests is an attribute', () => {
    expect(refusal('"a".matches("[")')).toContain('regular expression');
    expect(refusal('R.attr.s.matches("[")')).toContain('regular expression');
  });

  it('accepts every name a Cerbos condition can read', () => {
    for (const source of ['request.resource.attr.x == 1', 'R.id == P.id', 'V.a && variables.b', 'C.a == constants.b', 'G.a == globals.b', '"r" in runtime.effectiveDerivedRoles', 'type(1) == int']) {
      expect(() => compileExpression(source), source).not.toThrow();
    }
  });

  it('records the variables and constants an expression reads', () => {
    const e = compileExpression('V.a && variables.b && C.c == constants.d && R.attr.e');
    expect([...e.variables].sort()).toEqual(['a', 'b']);
    expect([...e.constants].sort()).toEqual(['c', 'd']);
  });
});
