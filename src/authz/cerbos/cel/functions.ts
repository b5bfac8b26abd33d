import { type CelFunc, type CelList, type CelValue, CelScalar, celFunc, celMethod, isCelList, isCelMap, isCelUint, listType, objectType } from '@bufbuild/cel';
import { DurationSchema, TimestampSchema, durationFromMs, timestampDate, timestampFromMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import { isIP } from 'node:net';

/**
 * The functions Cerbos adds to CEL (its `cerbos_lib.go`, hierarchy type and the cel-go extensions
 * it enables), on top of the CEL standard library that `@bufbuild/cel` implements. Only these few
 * are written here; the language itself is the library's.
 */
const DYN = CelScalar.DYN;
const BOOL = CelScalar.BOOL;
const STRING = CelScalar.STRING;
const INT = CelScalar.INT;
const LIST = listType(DYN);
const STRINGS = listType(STRING);
const TIMESTAMP = objectType(TimestampSchema);
const DURATION = objectType(DurationSchema);

/** CEL equality for the values attributes carry (numbers compare across int, uint and double). */
export function celEquals(a: CelValue, b: CelValue): boolean {
  if (a === b) return true;
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined || nb !== undefined) return na !== undefined && nb !== undefined && na === nb;
  if (isCelList(a) && isCelList(b)) {
    if (a.size !== b.size) return false;
    for (let i = 0; i < a.size; i++) if (!celEquals(a.get(i) as CelValue, b.get(i) as CelValue)) return false;
    return true;
  }
  if (isCelMap(a) && isCelMap(b)) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !celEquals(v, b.get(k) as CelValue)) return false;
    return true;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  return false;
}

function numeric(v: CelValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (isCelUint(v)) return Number(v.value);
  return undefined;
}

function contains(list: CelList, v: CelValue): boolean {
  for (const x of list) if (celEquals(x, v)) return true;
  return false;
}

function hasIntersection(a: CelList, b: CelList): boolean {
  for (const x of a) if (contains(b, x)) return true;
  return false;
}

function isSubset(sub: CelList, list: CelList): boolean {
  for (const x of sub) if (!contains(list, x)) return false;
  return true;
}

function intersect(a: CelList, b: CelList): CelValue[] {
  const [short, long] = a.size > b.size ? [b, a] : [a, b];
  return [...short].filter((x) => contains(long, x));
}

function except(a: CelList, b: CelList): CelValue[] {
  return [...a].filter((x) => !contains(b, x));
}

/** Both call styles Cerbos declares for its list functions: `f(a, b)` and `a.f(b)`. */
function listPair<R extends typeof BOOL | typeof LIST>(name: string, result: R, impl: (a: CelList, b: CelList) => boolean | CelValue[]): CelFunc[] {
  return [celFunc(name, [LIST, LIST], result, impl as never), celMethod(name, LIST, [LIST], result, function (this: CelList, b: CelList) { return impl(this, b); } as never)];
}

function ipInRange(ip: string, cidr: string): boolean {
  const family = isIP(ip);
  if (!family) throw new Error(`invalid IP address: ${ip}`);
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const netFamily = isIP(net ?? '');
  if (!netFamily || bitsText === undefined || !/^\d+$/.test(bitsText) || bits > (netFamily === 4 ? 32 : 128)) throw new Error(`invalid CIDR address: ${cidr}`);
  const addr = ipBytes(ip);
  const base = ipBytes(net!);
  if (addr.length !== base.length) return false;
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((addr[byte]! & mask) !== (base[byte]! & mask)) return false;
  }
  return true;
}

/** An address as 4 or 16 bytes; an IPv4-mapped IPv6 address is its IPv4 form, as Go's net.IP treats it. */
function ipBytes(ip: string): number[] {
  if (isIP(ip) === 4) return ip.split('.').map(Number);
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const parse = (s: string | undefined) => (s ? s.split(':') : []);
  let groups = parse(head);
  let rest = parse(tail);
  const v4: number[] = [];
  const last = (tail === undefined ? groups : rest).at(-1);
  if (last?.includes('.')) {
    v4.push(...last.split('.').map(Number));
    if (tail === undefined) groups = groups.slice(0, -1);
    else rest = rest.slice(0, -1);
  }
  const words = 8 - v4.length / 2;
  const all = tail === undefined ? groups : [...groups, ...Array(words - groups.length - rest.length).fill('0'), ...rest];
  const bytes = all.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
  bytes.push(...v4);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

function hierarchyOf(v: string | CelList, delim = '.'): string[] {
  return typeof v === 'string' ? v.split(delim) : [...v].map((x) => String(x));
}

function isPrefix(short: CelList, long: CelList): boolean {
  for (let i = 0; i < short.size; i++) if (short.get(i) !== long.get(i)) return false;
  return true;
}

/**
 * Cerbos' hierarchy type is a list of segments with extra methods; here it is a list of strings,
 * so that `size()`, indexing and equality come from CEL itself.
 */
const hierarchy: CelFunc[] = [
  celFunc('hierarchy', [STRING], STRINGS, (s: string) => hierarchyOf(s)),
  celFunc('hierarchy', [STRING, STRING], STRINGS, (s: string, d: string) => hierarchyOf(s, d)),
  celFunc('hierarchy', [STRINGS], STRINGS, (l: CelList) => hierarchyOf(l)),
  celMethod('ancestorOf', STRINGS, [STRINGS], BOOL, function (this: CelList, c: CelList) { return c.size > this.size && isPrefix(this, c); }),
  celMethod('descendentOf', STRINGS, [STRINGS], BOOL, function (this: CelList, p: CelList) { return this.size > p.size && isPrefix(p, this); }),
  celMethod('immediateParentOf', STRINGS, [STRINGS], BOOL, function (this: CelList, c: CelList) { return c.size === this.size + 1 && isPrefix(this, c); }),
  celMethod('immediateChildOf', STRINGS, [STRINGS], BOOL, function (this: CelList, p: CelList) { return this.size === p.size + 1 && isPrefix(p, this); }),
  celMethod('siblingOf', STRINGS, [STRINGS], BOOL, function (this: CelList, o: CelList) {
    if (o.size !== this.size) return false;
    for (let i = 0; i < this.size - 1; i++) if (this.get(i) !== o.get(i)) return false;
    return true;
  }),
  celMethod('overlaps', STRINGS, [STRINGS], BOOL, function (this: CelList, o: CelList) { return this.size <= o.size ? isPrefix(this, o) : isPrefix(o, this); }),
  celMethod('commonAncestors', STRINGS, [STRINGS], STRINGS, function (this: CelList, o: CelList) {
    let [short, long] = o.size < this.size ? [[...o], [...this]] : [[...this], [...o]];
    if (short.length === long.length) {
      short = short.slice(0, -1);
      long = long.slice(0, -1);
    }
    const out: CelValue[] = [];
    for (let i = 0; i < short.length && short[i] === long[i]; i++) out.push(short[i]!);
    return out as string[];
  }),
];

function sinceMs(ts: Timestamp, nowMs: number) {
  return durationFromMs(nowMs - timestampDate(ts).getTime());
}

/** The functions; `now` is the request's clock, fixed for one evaluation as Cerbos fixes it. */
export function cerbosFunctions(now: () => number): CelFunc[] {
  return [
    ...listPair('hasIntersection', BOOL, hasIntersection),
    ...listPair('has_intersection', BOOL, hasIntersection),
    ...listPair('isSubset', BOOL, isSubset),
    ...listPair('is_subset', BOOL, isSubset),
    ...listPair('intersect', LIST, intersect),
    ...listPair('except', LIST, except),
    celMethod('inIPAddrRange', STRING, [STRING], BOOL, function (this: string, cidr: string) { return ipInRange(this, cidr); }),
    celFunc('now', [], TIMESTAMP, () => timestampFromMs(now())),
    celFunc('timeSince', [TIMESTAMP], DURATION, (t) => sinceMs(t.message as Timestamp, now())),
    celMethod('timeSince', TIMESTAMP, [], DURATION, function () { return sinceMs(this.message as Timestamp, now()); }),
    celFunc('id', [DYN], DYN, (v: CelValue) => v as never),
    ...hierarchy,
    // cel-go's sets extension, which Cerbos enables.
    celFunc('sets.contains', [LIST, LIST], BOOL, (a: CelList, b: CelList) => isSubset(b, a)),
    celFunc('sets.equivalent', [LIST, LIST], BOOL, (a: CelList, b: CelList) => isSubset(a, b) && isSubset(b, a)),
    celFunc('sets.intersects', [LIST, LIST], BOOL, hasIntersection),
    // cel-go's lists extension.
    celMethod('distinct', LIST, [], LIST, function (this: CelList) {
      const out: CelValue[] = [];
      for (const x of this) if (!out.some((y) => celEquals(x, y))) out.push(x);
      return out as never;
    }),
    celMethod('reverse', LIST, [], LIST, function (this: CelList) { return [...this].reverse() as never; }),
    celMethod('flatten', LIST, [], LIST, function (this: CelList) { return [...this].flatMap((x) => (isCelList(x) ? [...x] : [x])) as never; }),
    celMethod('slice', LIST, [INT, INT], LIST, function (this: CelList, from: bigint, to: bigint) {
      if (from < 0n || to > BigInt(this.size) || from > to) throw new Error(`cannot slice(${from}, ${to}), list is length ${this.size}`);
      return [...this].slice(Number(from), Number(to)) as never;
    }),
    celFunc('lists.range', [INT], listType(INT), (n: bigint) => Array.from({ length: Number(n) }, (_, i) => BigInt(i))),
  ];
}
