import { type CelFunc, type CelList, type CelValue, CelScalar, celFunc, celMethod, isCelList, isCelMap, isCelUint, listType, objectType } from '@bufbuild/cel';
import { create } from '@bufbuild/protobuf';
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

/** Parts of an instant in a time zone: an IANA name, a fixed `±HH:MM` offset, or UTC for "". */
function partsIn(ts: Timestamp, zone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number; ms: number; weekday: number } {
  const instant = timestampDate(ts).getTime();
  const fixed = /^([+-]?)(\d\d):(\d\d)$/.exec(zone);
  if (zone === '' || zone === 'UTC' || fixed) {
    const offset = fixed ? (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3])) * 60_000 : 0;
    const d = new Date(instant + offset);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), ms: d.getUTCMilliseconds(), weekday: d.getUTCDay() };
  }
  let format: Intl.DateTimeFormat;
  try {
    // `hourCycle: 'h23'` alone: with `hour12: false` V8 writes midnight as 24, which moves the date.
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
  } catch {
    throw new Error(`unknown time zone ${zone}`);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  return {
    year: Number(p.year),
    month: Number(p.month) - 1,
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    second: Number(p.second),
    ms: new Date(instant).getUTCMilliseconds(),
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(String(p.weekday)),
  };
}

function dayOfYear(p: { year: number; month: number; day: number }): number {
  return Math.round((Date.UTC(p.year, p.month, p.day) - Date.UTC(p.year, 0, 1)) / 86_400_000);
}

const GETTERS: Record<string, (p: ReturnType<typeof partsIn>) => number> = {
  getFullYear: (p) => p.year,
  getMonth: (p) => p.month,
  getDate: (p) => p.day,
  getDayOfMonth: (p) => p.day - 1,
  getDayOfWeek: (p) => p.weekday,
  getDayOfYear: (p) => dayOfYear(p),
  getHours: (p) => p.hour,
  getMinutes: (p) => p.minute,
  getSeconds: (p) => p.second,
  getMilliseconds: (p) => p.ms,
};

/** Go's duration syntax, which cel-go parses: `1h30m`, `1.5s`, `-300ms`, `0`. */
function parseDuration(text: string): bigint {
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text);
  if (text === '0' || text === '+0' || text === '-0') return 0n;
  if (!m) throw new Error("type conversion error from 'string' to 'google.protobuf.Duration'");
  const unit: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let nanos = 0n;
  for (const [, num, u] of text.slice(m[1]!.length).matchAll(/((?:\d+(?:\.\d*)?|\.\d+))(ns|us|µs|ms|s|m|h)/g)) {
    const [whole, frac = ''] = num!.split('.');
    const scale = BigInt(unit[u!]!);
    nanos += BigInt(whole || '0') * scale + (frac ? (BigInt(frac) * scale) / 10n ** BigInt(frac.length) : 0n);
  }
  return m[1] === '-' ? -nanos : nanos;
}

/**
 * Where `@bufbuild/cel` and cel-go (so Cerbos) disagree, cel-go's answer: time-zone getters (the
 * library's are a day off at midnight), a duration's `getMilliseconds()` in total, and string
 * conversions that refuse what is not a number or a duration instead of answering 0.
 */
export function celGoCompatibility(): CelFunc[] {
  const DOUBLE = CelScalar.DOUBLE;
  return [
    ...Object.entries(GETTERS).map(([name, get]) => celMethod(name, TIMESTAMP, [STRING], INT, function (this: { message: Timestamp }, zone: string) { return BigInt(get(partsIn(this.message, zone))); })),
    celMethod('getMilliseconds', DURATION, [], INT, function (this: { message: { seconds: bigint; nanos: number } }) { return this.message.seconds * 1000n + BigInt(Math.trunc(this.message.nanos / 1e6)); }),
    celFunc('duration', [STRING], DURATION, (text: string) => {
      const nanos = parseDuration(text);
      return create(DurationSchema, { seconds: nanos / 1_000_000_000n, nanos: Number(nanos % 1_000_000_000n) });
    }),
    celFunc('double', [STRING], DOUBLE, (text: string) => {
      const n = /^[+-]?(inf(inity)?|nan)$/i.test(text) ? Number(text.replace(/inf(inity)?/i, 'Infinity').replace(/nan/i, 'NaN')) : text.trim() === text && text !== '' ? Number(text) : NaN;
      if (Number.isNaN(n) && !/nan/i.test(text)) throw new Error("type conversion error from 'string' to 'double'");
      return n;
    }),
    celFunc('int', [STRING], INT, (text: string) => {
      if (!/^[+-]?\d+$/.test(text)) throw new Error("type conversion error from 'string' to 'int'");
      const n = BigInt(text);
      if (n > 9223372036854775807n || n < -9223372036854775808n) throw new Error('integer overflow');
      return n;
    }),
    // cel-go's math extension.
    celFunc('math.greatest', [LIST], DYN, (l: CelList) => extreme(l, 1) as never),
    celFunc('math.least', [LIST], DYN, (l: CelList) => extreme(l, -1) as never),
    ...[2, 3, 4].flatMap((n) => [
      celFunc('math.greatest', Array(n).fill(DYN), DYN, (...a: CelValue[]) => extreme(a, 1) as never),
      celFunc('math.least', Array(n).fill(DYN), DYN, (...a: CelValue[]) => extreme(a, -1) as never),
    ]),
    celFunc('math.ceil', [DOUBLE], DOUBLE, Math.ceil),
    celFunc('math.floor', [DOUBLE], DOUBLE, Math.floor),
    celFunc('math.round', [DOUBLE], DOUBLE, (x: number) => (x < 0 ? -Math.round(-x) : Math.round(x))),
    celFunc('math.trunc', [DOUBLE], DOUBLE, Math.trunc),
    celFunc('math.abs', [DOUBLE], DOUBLE, Math.abs),
    celFunc('math.abs', [INT], INT, (x: bigint) => (x < 0n ? -x : x)),
    celFunc('math.sign', [DOUBLE], DOUBLE, Math.sign),
    celFunc('math.sign', [INT], INT, (x: bigint) => (x > 0n ? 1n : x < 0n ? -1n : 0n)),
    celFunc('math.isInf', [DOUBLE], BOOL, (x: number) => x === Infinity || x === -Infinity),
    celFunc('math.isNaN', [DOUBLE], BOOL, Number.isNaN),
    celFunc('math.isFinite', [DOUBLE], BOOL, Number.isFinite),
    celFunc('math.sqrt', [DOUBLE], DOUBLE, Math.sqrt),
    celMethod('sort', LIST, [], LIST, function (this: CelList) {
      const items = [...this];
      const kinds = new Set(items.map((x) => (numeric(x) !== undefined ? 'number' : typeof x)));
      if ([...kinds].some((k) => k !== 'number' && k !== 'string' && k !== 'boolean')) throw new Error('list elements must be comparable');
      if (kinds.size > 1) throw new Error('list elements must have the same type');
      return items.sort((a, b) => compare(a, b)) as never;
    }),
    // cel-go's strings extension: a limit keeps the rest in the last part; strings reverse.
    celMethod('split', STRING, [STRING, INT], STRINGS, function (this: string, sep: string, n: bigint) {
      if (n === 0n) return [];
      const parts = this.split(sep);
      if (n < 0n || BigInt(parts.length) <= n) return parts;
      const keep = Number(n) - 1;
      return [...parts.slice(0, keep), parts.slice(keep).join(sep)];
    }),
    celMethod('reverse', STRING, [], STRING, function (this: string) {
      return [...this].reverse().join('');
    }),
    // cel-go's strings extension counts code points, not UTF-16 units.
    celMethod('charAt', STRING, [INT], STRING, function (this: string, i: bigint) {
      const chars = [...this];
      if (i < 0n || i > BigInt(chars.length)) throw new Error(`index out of range: ${i}`);
      return chars[Number(i)] ?? '';
    }),
    celMethod('substring', STRING, [INT], STRING, function (this: string, start: bigint) {
      const chars = [...this];
      if (start < 0n || start > BigInt(chars.length)) throw new Error(`index out of range: ${start}`);
      return chars.slice(Number(start)).join('');
    }),
    celMethod('substring', STRING, [INT, INT], STRING, function (this: string, start: bigint, end: bigint) {
      const chars = [...this];
      if (start < 0n || end > BigInt(chars.length) || start > end) throw new Error(`index out of range: ${start < 0n ? start : end}`);
      return chars.slice(Number(start), Number(end)).join('');
    }),
  ];
}

function compare(a: CelValue, b: CelValue): number {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error('no such overload');
}

function extreme(values: Iterable<CelValue>, sign: 1 | -1): CelValue {
  let best: CelValue | undefined;
  for (const v of values) {
    if (numeric(v) === undefined) throw new Error(`no such overload: math.@${sign > 0 ? 'max' : 'min'}(list)`);
    if (best === undefined || compare(v, best) * sign > 0) best = v;
  }
  if (best === undefined) throw new Error('math.@max(list) argument must not be empty');
  return best;
}
