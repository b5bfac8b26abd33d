/**
 * Deterministic generator of Cerbos CheckResources and PlanResources request bodies over the
 * differential corpus (test/fixtures/cerbos-corpus/policies).
 *
 * One seed gives one sequence of requests. Values are drawn from per-attribute pools that hold what
 * the corpus' conditions look at (so rules fire), neighbouring values (so they just miss) and values
 * of the wrong type or absent keys (so conditions error). Every request is valid for Cerbos' API
 * validation (non-empty ids, unique non-empty roles and actions, scopes and versions of the allowed
 * form), so both servers are compared on decisions, not on error texts.
 */

/** mulberry32: small, fast, good enough for test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** Picks with weights: [[weight, value], ...]. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of choices) {
      r -= w;
      if (r < 0) return v;
    }
    return choices[choices.length - 1]![1];
  }
  /** A random subset of distinct items, of size in [min, max]. */
  subset<T>(items: readonly T[], min: number, max: number): T[] {
    const n = Math.min(items.length, this.int(min, max));
    const pool = [...items];
    const out: T[] = [];
    while (out.length < n) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]!);
    return out;
  }
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface PrincipalBody {
  id: string;
  roles: string[];
  attr?: Record<string, Json>;
  policyVersion?: string;
  scope?: string;
}

export interface ResourceBody {
  kind: string;
  id: string;
  attr?: Record<string, Json>;
  policyVersion?: string;
  scope?: string;
}

export interface CheckResourcesBody {
  requestId?: string;
  includeMeta?: boolean;
  principal: PrincipalBody;
  resources: { actions: string[]; resource: ResourceBody }[];
}

export interface PlanResourcesBody {
  requestId?: string;
  includeMeta?: boolean;
  action?: string;
  actions?: string[];
  principal: PrincipalBody;
  resource: Omit<ResourceBody, 'id'>;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

/** Principals that have principal policies in the corpus come first. */
export const POLICY_PRINCIPALS = ['donald', 'daisy', 'scrooge', 'gyro'] as const;
const OTHER_PRINCIPALS = ['alice', 'bob', 'carol', 'dave', 'Donald', 'daisy.duck', 'u-1042'] as const;

const ROLES = [
  'user',
  'employee',
  'manager',
  'contractor',
  'admin',
  'acme_admin',
  'hr',
  'finance',
  'auditor',
  'suspended',
  'cfo',
] as const;
/** Roles no policy names, names that only exist as derived roles, odd spellings. */
const UNUSUAL_ROLES = ['guest', 'User', 'owner', 'dept_manager', 'any_owner', '*', 'role with spaces', 'ADMIN', 'user:read', 'x'] as const;

export const KINDS = ['document', 'expense', 'album:photo', 'leave_request', 'ledger', 'gadget'] as const;
export type Kind = (typeof KINDS)[number];

const ACTIONS: Record<Kind, readonly string[]> = {
  document: ['view', 'view:public', 'view:private', 'view:a:b', 'view:', 'edit', 'delete', 'share', 'approve', 'comment', 'archive', 'tag', 'publish', 'VIEW', 'edit:draft'],
  expense: ['view', 'view:recent', 'view:summary', 'approve', 'reject', 'audit:full', 'audit:x:y', 'audit', 'pay', 'export', 'flag', 'delete', 'comment'],
  'album:photo': [
    'view',
    'view:thumbnail',
    'view:public',
    'view:full',
    'edit',
    'edit:caption',
    'edit:caption:history',
    'edit:a:history',
    'edit:a:b:history',
    'download',
    'download:hd',
    'download:hd:raw',
    'photo:report',
    'x:report',
    'report',
    'a:b:report',
    'flag',
    'delete',
    'comment',
  ],
  leave_request: ['create', 'view', 'view:own', 'view:team', 'approve', 'cancel', 'extend', 'report:monthly', 'report', 'comment', 'archive'],
  ledger: ['read', 'write', 'write:entry', 'write:entry:line', 'burn', 'audit', 'view:all', 'comment', 'archive'],
  gadget: ['view', 'use', 'comment', 'view:all'],
};
/** Actions that look like globs themselves, or are not in any policy. */
const ODD_ACTIONS = ['*', 'view:*', '**', 'unknown', 'a:b:c', ':', 'comment:x'] as const;

const VERSIONS = [
  [8, undefined],
  [2, 'default'],
  [2, '20210210'],
  [0.6, 'v2'],
  [0.3, ''],
] as const;

const SCOPES = [
  [8, undefined],
  [0.4, ''],
  [3, 'acme'],
  [3, 'acme.hr'],
  [1, 'acme.hr.uk'],
  [2, 'beta'],
  [1.5, 'beta.eu'],
  [0.5, 'zeta'],
  [0.3, '.'],
  [0.3, 'beta.eu.x'],
] as const;

// ---------------------------------------------------------------------------------------------
// Attribute pools

const TIMESTAMPS: Json[] = [
  '2021-03-14T08:30:00Z',
  '2021-05-02T00:00:00Z',
  '2000-06-15T12:00:00+02:00',
  '1990-05-05T10:00:00Z',
  '1999-12-31T23:59:59Z',
  '2021-02-10T00:00:00Z',
  '2021-02-09T23:59:59-05:00',
  '2021-07-04T12:00:00.123Z',
  '2999-01-01T00:00:00Z',
  '2500-06-30T18:45:00-08:00',
  'not-a-date',
  '2021-13-01T00:00:00Z',
  1613000000,
];
const ORG_PATHS: Json[] = ['root.eng', 'root', 'root.eng.web', 'root.eng.web.ui', 'root.eng.api', 'root.sales', 'root.sales.emea', 'root:eng', 'root:eng:web', 'other', '', ['root', 'eng'], 12];
const IPS: Json[] = ['10.1.2.3', '10.255.0.1', '192.168.5.5', '172.20.0.1', '172.15.0.1', '8.8.8.8', '2001:db8::1', '2001:db9::1', '::1', 'not-an-ip', '', 42];
const TAGS: Json[] = [['doc'], ['docs', 'x'], ['a', 'b'], [], ['design', 'doc-review'], ['b', 'c', 'document'], ['DOC'], 'doc', [1, 2]];
const DEPTS: Json[] = ['legal', 'hr', 'Legal', 'LEGAL', 'eng', 'weekend', 'sales', '', 7];
const CURRENCIES: Json[] = ['USD', 'EUR', 'GBP', 'JPY', 'usd', 3];
const CATEGORIES: Json[] = [['travel'], ['travel', 'meals'], ['gifts'], [], ['entertainment', 'gifts'], ['software'], ['travel', 'software'], ['giftcards'], 'travel'];
const AMOUNTS: Json[] = [100, 999, 2500, 49.99, 10, 0, 50, 1000, 2500, 2500.01, 4999, 5000, 9999, 10000, 25000, 1e9, -5, '100', true];
const DURATIONS: Json[] = ['24h', '48h', '86400s', '23h59m', '90m', '1h30m', 'bad', '', 5];

function pool(rng: Rng, values: readonly Json[]): Json {
  return rng.pick(values);
}

/** Principal-dependent values (owner fields etc.) need the principal id. */
function resourceAttrPools(pid: string): Record<string, readonly Json[]> {
  const ids: Json[] = [pid, pid, 'alice', 'bob', 'daisy', 'donald', 'scrooge', '', 99];
  return {
    owner: ids,
    department: DEPTS,
    public: [true, false, 'true', 1, null],
    status: ['approved', 'PENDING_APPROVAL', 'draft', 'archived', 'deleted', 'published', 'pending_approval', ''],
    amount: AMOUNTS,
    confidential: [false, true, 'yes'],
    locked: [true, false, 'true'],
    tags: TAGS,
    currency: CURRENCIES,
    approvers: [[], ['ALICE', 'Bob'], [pid.toUpperCase()], [pid, 'carol'], 'alice', [1]],
    categories: CATEGORIES,
    submittedAt: TIMESTAMPS,
    payee: ['shop@pay.example', 'a@b.example', 'shop@pay.example.com', 'pay.example', '', 12],
    region: ['beta', 'Beta', 'emea', ''],
    visibility: ['public', 'everyone', 'private', 'Public', ''],
    members: [[pid], [pid, 'carol'], [], ['alice', 'bob'], pid, { [pid]: true }],
    orgPath: ORG_PATHS,
    editors: [[pid], [], ['alice'], pid],
    reports: [[], [{ by: 'zed' }], [{ by: pid }], [{ by: 'zed' }, { by: pid }], [{}], 'none'],
    size: [999999, 0, 1000000, 5e6, '10'],
    protected: [false, true, 'no'],
    legal_hold: [false, true, null],
    start: TIMESTAMPS,
    days: [2, 4, 1, 0, 2.5, 3, 5, 6, 10, 29, 30, 31, -1, '2'],
    notice: DURATIONS,
    extension: [{ weeks: 1 }, { weeks: '1' }, {}, 'none', null],
    geographies: [['GB'], ['GB', 'US'], ['US'], [], 'GB', { GB: true }],
    createdAt: TIMESTAMPS,
    'review.state': ['ok', 'pending', 'OK', ''],
    location: ['vault.main', 'vault.main.a', 'vault.main.a.b', 'vault', 'vault.other', 'VAULT.main', '', 5],
  };
}

const PRINCIPAL_ATTR_POOLS: Record<string, readonly Json[]> = {
  department: DEPTS,
  level: [5, 3, 4, 0, 1, 2, 6, 2.5, 3.0000001, '5', null],
  region: ['emea', 'apac', 'amer', 'EMEA', 'latam', '', 1],
  ip: IPS,
  title: ['Senior Engineer', 'Engineer', 'senior engineer', 'Senior', '', 3],
  probation: [false, true, null],
  tags: TAGS,
  limit: [5000, 10000, 1000, 0, 50, 999, 2500, 1e9, '1000'],
  limits: [{ a: 200, b: 300 }, { a: 101, b: 102, c: 103 }, {}, { a: 50, b: 300 }, { x: 500 }, { a: '200', b: 300 }, 'none', [200, 300]],
  orgPath: ORG_PATHS,
  grades: [['senior'], ['junior', 'senior'], [], ['junior'], 'senior'],
  clients: [{ acme: { active: true } }, {}, { acme: { active: false }, bb: { active: true } }, { acme: {} }, { acme: { active: 'true' } }, []],
  lab: ['open', 'open-late', 'closed', 'Open', '', 0],
};

/** Which attributes each kind's policies read (others may still appear as noise). */
const RESOURCE_KEYS: Record<Kind, readonly string[]> = {
  document: ['owner', 'department', 'public', 'status', 'amount', 'confidential', 'locked', 'tags', 'createdAt', 'review.state'],
  expense: ['owner', 'amount', 'currency', 'approvers', 'categories', 'submittedAt', 'payee', 'status', 'region', 'public', 'department', 'tags'],
  'album:photo': ['visibility', 'members', 'orgPath', 'editors', 'reports', 'size', 'protected', 'legal_hold', 'public', 'owner'],
  leave_request: ['owner', 'status', 'start', 'days', 'notice', 'geographies', 'orgPath', 'department', 'members', 'public', 'extension'],
  ledger: ['location', 'owner', 'public', 'amount'],
  gadget: ['owner', 'public', 'tags'],
};

// ---------------------------------------------------------------------------------------------
// Generators

/**
 * Pools list the values that satisfy the corpus' conditions first; a "biased" attribute set draws
 * from the first third of each pool and omits fewer keys, so that conditions needing several
 * attributes at once are met often enough.
 */
function genAttrs(rng: Rng, pools: Record<string, readonly Json[]>, keys: readonly string[], presence: number): Record<string, Json> {
  const attr: Record<string, Json> = {};
  const biased = rng.chance(0.35);
  for (const key of keys) {
    if (!rng.chance(biased ? 0.95 : presence)) continue;
    const values = pools[key]!;
    attr[key] = pool(rng, biased ? values.slice(0, Math.ceil(values.length / 3)) : values);
  }
  // Noise: an attribute no condition reads, or one read by another kind's policies.
  if (rng.chance(0.15)) attr[rng.pick(['extra', 'nested', 'n'])] = rng.pick<Json>([1, 'x', { a: { b: [1, 'two', null] } }, [], null]);
  return attr;
}

export function genPrincipal(rng: Rng): PrincipalBody {
  const id = rng.chance(0.55) ? rng.pick(POLICY_PRINCIPALS) : rng.pick(OTHER_PRINCIPALS);
  let roles: string[] = rng.subset(ROLES, 1, 3);
  if (rng.chance(0.15)) roles = [...new Set([...roles, rng.pick(UNUSUAL_ROLES)])];
  if (rng.chance(0.05)) roles = [rng.pick(UNUSUAL_ROLES)];
  const principal: PrincipalBody = { id, roles };
  if (rng.chance(0.92)) principal.attr = genAttrs(rng, PRINCIPAL_ATTR_POOLS, Object.keys(PRINCIPAL_ATTR_POOLS), 0.7);
  const version = rng.weighted(VERSIONS);
  if (version !== undefined) principal.policyVersion = version;
  const scope = rng.weighted(SCOPES);
  if (scope !== undefined) principal.scope = scope;
  return principal;
}

function genKind(rng: Rng): Kind {
  return rng.weighted<Kind>([
    [5, 'document'],
    [4, 'expense'],
    [3, 'album:photo'],
    [3, 'leave_request'],
    [1.5, 'ledger'],
    [0.7, 'gadget'],
  ]);
}

function genResource(rng: Rng, kind: Kind, principalId: string, index: number): ResourceBody {
  const resource: ResourceBody = { kind, id: rng.pick([`${kind.replace(':', '-')}-${index}`, `XX${rng.int(100, 999)}`, 'r1']) };
  if (rng.chance(0.93)) resource.attr = genAttrs(rng, resourceAttrPools(principalId), RESOURCE_KEYS[kind], 0.75);
  const version = rng.weighted(VERSIONS);
  if (version !== undefined) resource.policyVersion = version;
  const scope = rng.weighted(SCOPES);
  if (scope !== undefined) resource.scope = scope;
  return resource;
}

function genActions(rng: Rng, kind: Kind): string[] {
  const actions = new Set(rng.subset(ACTIONS[kind], 1, 5));
  if (rng.chance(0.12)) actions.add(rng.pick(ODD_ACTIONS));
  // Occasionally an action of another kind.
  if (rng.chance(0.1)) actions.add(rng.pick(ACTIONS[genKind(rng)]));
  return [...actions];
}

export function genCheckRequest(rng: Rng, n: number): CheckResourcesBody {
  const principal = genPrincipal(rng);
  const count = rng.weighted([
    [4, 1],
    [3, 2],
    [2, 3],
    [1, 4],
    [1, 5],
  ] as const);
  const resources: CheckResourcesBody['resources'] = [];
  for (let i = 0; i < count; i++) {
    const kind = genKind(rng);
    resources.push({ actions: genActions(rng, kind), resource: genResource(rng, kind, principal.id, i) });
  }
  const body: CheckResourcesBody = { principal, resources };
  if (rng.chance(0.6)) body.requestId = `req-${n}`;
  if (rng.chance(0.35)) body.includeMeta = true;
  return body;
}

/** `count` CheckResources bodies from `seed`; the same arguments always give the same bodies. */
export function checkRequests(seed: number, count: number): CheckResourcesBody[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, n) => genCheckRequest(rng, n));
}

export function genPlanRequest(rng: Rng, n: number): PlanResourcesBody {
  const principal = genPrincipal(rng);
  const kind = genKind(rng);
  const full = genResource(rng, kind, principal.id, 0);
  const { id: _id, ...resource } = full;
  // Plans are mostly made with few or no resource attributes known.
  if (resource.attr && rng.chance(0.6)) {
    const keys = Object.keys(resource.attr);
    resource.attr = Object.fromEntries(keys.filter(() => rng.chance(0.3)).map((k) => [k, resource.attr![k]!]));
  }
  const body: PlanResourcesBody = { principal, resource };
  const actions = genActions(rng, kind);
  if (rng.chance(0.5)) body.action = actions[0]!;
  else body.actions = actions.slice(0, 3);
  body.requestId = `plan-${n}`;
  if (rng.chance(0.5)) body.includeMeta = true;
  return body;
}

export function planRequests(seed: number, count: number): PlanResourcesBody[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, n) => genPlanRequest(rng, n));
}

// ---------------------------------------------------------------------------------------------
// CEL probes (test/fixtures/cerbos-corpus/probes): one resource kind, `probe`, whose actions each
// evaluate one expression into a rule output (`v:*`) or a condition (`c:*`).

export const PROBE_ACTIONS = [
  'c:deny_err', 'c:eq_cross', 'c:exists_mixed', 'c:has_null', 'c:nonbool', 'c:null_eq',
  'v:arith', 'v:bytes', 'v:char_at', 'v:compare_mixed', 'v:concat', 'v:concat_bad', 'v:conv', 'v:double_div', 'v:dur',
  'v:dur_parts', 'v:equality', 'v:field', 'v:format', 'v:getters', 'v:getters_tz', 'v:has', 'v:hier', 'v:hier_common',
  'v:hier_eq', 'v:index', 'v:int_div', 'v:int_keys', 'v:int_mod', 'v:ip', 'v:key', 'v:list_concat', 'v:lists',
  'v:literals', 'v:logic_err', 'v:macros', 'v:map_macros', 'v:matches', 'v:math', 'v:math_list', 'v:overflow',
  'v:passthrough', 'v:principal', 'v:sets', 'v:sets_ext', 'v:sizes', 'v:strings', 'v:strings_ext', 'v:substring',
  'v:ternary', 'v:to_double', 'v:to_int', 'v:ts', 'v:ts_add', 'v:ts_cmp', 'v:ts_diff', 'v:uint',
] as const;

const PROBE_RESOURCE_POOLS: Record<string, readonly Json[]> = {
  n: [2, 0, 1, 2.5, -3, -2.5, 10, 1e20, 0.1, '5', null, true],
  d: [2, 0, 1, 3, -1, 0.5],
  i: [0, 1, 2, 5, -1],
  big: [5, 1e10, 1e15, -1e12],
  s: ['hello', 'héllo', '😀x', '', '  pad  ', 'a,b,c', 'a', 'Hello World', '42', '3.5', 'ab%sc'],
  list: [['a', 'b'], [], ['a'], ['b', 'a', 'b'], [1, 'a'], [3, 1, 2], ['z', 'y'], [null], [['a']]],
  nums: [[1, 2, 3], [], [2.5, -1], [5], ['x']],
  map: [{ a: 1, b: 2 }, {}, { a: 'x' }, { 'a b': 1 }, { a: 0 }, { a: { b: 1 } }],
  ts: [
    '2021-03-14T08:30:00Z',
    '2021-03-14T23:30:00-05:00',
    '2021-12-31T23:59:59.999Z',
    '2020-02-29T12:00:00+05:30',
    '1970-01-01T00:00:00Z',
    '1969-12-31T23:59:59Z',
    '2999-01-01T00:00:00Z',
    '2021-03-14T08:30:00.123456789Z',
    '2021-03-14 08:30:00Z',
    '2021-03-14',
    'bad',
    1613000000,
  ],
  dur: ['1h', '90m', '1.5h', '3600s', '1h30m15s', '-2h', '0s', '100ms', '1us', '1d', 'bad', '', 60],
  tz: ['UTC', 'America/New_York', 'Asia/Kolkata', 'Europe/London', 'NZ', '+05:30', '-08:00', '05:30', 'Bad/Zone', ''],
  re: ['^h', 'l+', '[', '(?i)HELLO', '.*', '^$', '\\d+', 'a{2,1}'],
  ip: ['10.1.2.3', '192.168.0.1', '2001:db8::1', '::ffff:10.1.2.3', '10.1.2', 'x', ''],
  cidr: ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32', '10.1.2.3/32', '10.0.0.0', '::/0', '0.0.0.0/0', 'bad'],
  path: ['a.b.c', 'a.b', 'a', 'a.b.d', 'a.x', 'b', '', 'a:b', 'a..b'],
  flag: [true, false, 'x'],
  nullv: [null, 0, ''],
};

const PROBE_PRINCIPAL_POOLS: Record<string, readonly Json[]> = {
  list: [['a', 'b'], [], ['a'], ['b', 'a'], ['a', 'b', 'c', 'z', 'y'], [1, 'a']],
  path: ['a.b.c', 'a.b', 'a', 'a.b.d', 'a.x', 'b', '', 'a.b.c.d'],
};

export function genProbeRequest(rng: Rng, n: number): CheckResourcesBody {
  const principal: PrincipalBody = {
    id: rng.pick(['alice', 'bob', 'x.y']),
    roles: rng.subset(['user', 'admin', 'guest'], 1, 2),
    attr: genAttrs(rng, PROBE_PRINCIPAL_POOLS, Object.keys(PROBE_PRINCIPAL_POOLS), 0.9),
  };
  if (rng.chance(0.2)) principal.scope = rng.pick(['', 'acme']);
  if (rng.chance(0.2)) principal.policyVersion = 'default';
  const resources: CheckResourcesBody['resources'] = [];
  const count = rng.int(1, 3);
  for (let i = 0; i < count; i++) {
    const resource: ResourceBody = { kind: 'probe', id: `p${i}`, attr: genAttrs(rng, PROBE_RESOURCE_POOLS, Object.keys(PROBE_RESOURCE_POOLS), 0.85) };
    if (rng.chance(0.2)) resource.policyVersion = 'default';
    const actions: string[] = rng.subset(PROBE_ACTIONS, 4, 12);
    // Rarely: a probe whose output is ±Inf or NaN, which fails the whole request in Cerbos.
    if (rng.chance(0.03)) actions.push('v:inf');
    resources.push({ actions, resource });
  }
  return { requestId: `probe-${n}`, includeMeta: rng.chance(0.5), principal, resources };
}

export function probeRequests(seed: number, count: number): CheckResourcesBody[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, n) => genProbeRequest(rng, n));
}
