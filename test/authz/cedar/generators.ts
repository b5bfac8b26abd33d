/**
 * Generators for the Cedar differential test: a small vocabulary (User/Group/Document/Folder,
 * view/edit/delete), random policy sets over it, entity stores with hierarchies and requests.
 *
 * Values are modelled once (`Val`) and rendered twice: as Verified Permissions AttributeValues for
 * Tessera and as Cedar JSON for cedar-wasm, so both engines see the same data.
 */
import type { AttributeValue, CedarTagValue, EntityIdentifier, EntityItem } from '@aws-sdk/client-verifiedpermissions';
import type { CedarValueJson, EntityJson, SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Data model

export type Val =
  | { k: 'string'; v: string }
  | { k: 'long'; v: number }
  | { k: 'bool'; v: boolean }
  | { k: 'entity'; type: string; id: string }
  | { k: 'set'; v: Val[] }
  | { k: 'record'; v: Record<string, Val> }
  | { k: 'ip'; v: string }
  | { k: 'decimal'; v: string }
  | { k: 'datetime'; v: string }
  | { k: 'duration'; v: string };

/** A base type name (`User`) or `Action`; qualified with the scenario's namespace when rendered. */
export interface Uid {
  type: string;
  id: string;
}

export interface Entity {
  uid: Uid;
  attrs: Record<string, Val>;
  parents: Uid[];
  /** Cedar entity tags (only Documents have them). */
  tags?: Record<string, Val>;
}

export interface Req {
  principal: Uid;
  action: string;
  resource: Uid;
  context: Record<string, Val>;
}

/** Up to 30 requests that share their principal or their resource, as BatchIsAuthorized requires. */
export interface Batch {
  shared: 'principal' | 'resource';
  items: Req[];
}

export interface Scenario {
  /** '' for no namespace. */
  namespace: string;
  /** With a schema: typed attributes, action groups, requests that match `appliesTo`. Without: loosely typed data. */
  withSchema: boolean;
  policies: string[];
  entities: Entity[];
  requests: Req[];
  batches: Batch[];
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

export const IDS = {
  User: ['alice', 'bob', 'carol', 'dave', 'Zoë Q'],
  Group: ['admins', 'eng', 'staff', 'everyone'],
  Document: ['d1', 'd2', 'report 2024', 'd4', 'd5'],
  Folder: ['root', 'shared', 'private', 'archive', 'say "hi" \\ bye'],
} as const;
type BaseType = keyof typeof IDS;
const GHOST: Record<BaseType, string> = { User: 'ghost', Group: 'nobody', Document: 'lost', Folder: 'void' };

export const ACTIONS = ['view', 'edit', 'delete'] as const;
export const ACTION_GROUPS = ['read', 'write', 'all'] as const;
/** Which principal and resource types each action applies to, when there is a schema. */
const APPLIES_TO: Record<(typeof ACTIONS)[number], { principals: BaseType[]; resources: BaseType[] }> = {
  view: { principals: ['User', 'Group'], resources: ['Document', 'Folder'] },
  edit: { principals: ['User'], resources: ['Document', 'Folder'] },
  delete: { principals: ['User'], resources: ['Document'] },
};

const NAMES = ['alice', 'bob', 'eng', 'Zoë', '', 'a*b', 'secret report', 'report'];
const LONGS = [-5, 0, 1, 17, 18, 30, 65, 1000, 9007199254740991];
const TAGS = ['red', 'green', 'blue'];
const ROLES = ['admin', 'editor', 'viewer'];
const IPS = ['10.1.2.3', '192.168.0.1', '127.0.0.1', '::1', '10.0.0.0/8'];
const DECIMALS = ['1.5', '2.5', '3.0', '-0.25', '4.7500'];
const DATETIMES = ['2024-10-15', '2024-10-15T11:35:00Z', '2024-10-15T23:59:59.999+0100', '2026-01-01T00:00:00Z', '1969-12-31'];
const DURATIONS = ['1h30m', '45m', '2d', '-1h', '0ms', '1d2h3m4s5ms'];
const TAG_KEYS = ['env', 'team'];
const TAG_VALUES = ['prod', 'dev', 'eng'];

// ---------------------------------------------------------------------------------------------
// Schema

const str = { type: 'String' };
const long = { type: 'Long' };
const bool = { type: 'Boolean' };
const opt = <T extends object>(t: T) => ({ ...t, required: false });
const ent = (name: string) => ({ type: 'Entity', name });
const setOf = (element: object) => ({ type: 'Set', element });
const rec = (attributes: Record<string, object>) => ({ type: 'Record', attributes });

export function schemaFor(namespace: string): SchemaJson<string> {
  const ctx = rec({
    mfa: opt(bool),
    hour: opt(long),
    tags: opt(setOf(str)),
    requester: opt(ent('User')),
    env: opt(rec({ region: str, tier: opt(long) })),
    ip: opt({ type: 'Extension', name: 'ipaddr' }),
    label: opt(str),
    at: opt({ type: 'Extension', name: 'datetime' }),
    ttl: opt({ type: 'Extension', name: 'duration' }),
  });
  const schema = {
    [namespace]: {
      commonTypes: { Ctx: ctx },
      entityTypes: {
        User: {
          memberOfTypes: ['Group'],
          shape: rec({
            name: str,
            age: opt(long),
            active: opt(bool),
            roles: opt(setOf(str)),
            manager: opt(ent('User')),
            friends: opt(setOf(ent('User'))),
            profile: opt(rec({ dept: str, level: opt(long) })),
          }),
        },
        Group: { memberOfTypes: ['Group'], shape: rec({ name: str, level: opt(long) }) },
        Document: {
          memberOfTypes: ['Folder'],
          tags: str,
          shape: rec({
            title: str,
            owner: opt(ent('User')),
            size: opt(long),
            public: opt(bool),
            tags: opt(setOf(str)),
            readers: opt(setOf(ent('User'))),
            meta: opt(rec({ classification: str, version: opt(long) })),
            folder: opt(ent('Folder')),
            rating: opt({ type: 'Extension', name: 'decimal' }),
          }),
        },
        Folder: { memberOfTypes: ['Folder'], shape: rec({ name: str, owner: opt(ent('User')), public: opt(bool) }) },
      },
      actions: {
        ...Object.fromEntries(
          ACTIONS.map((a) => [
            a,
            {
              memberOf: a === 'view' ? [{ id: 'read' }] : a === 'edit' ? [{ id: 'read' }, { id: 'write' }] : [{ id: 'write' }],
              appliesTo: { principalTypes: APPLIES_TO[a].principals, resourceTypes: APPLIES_TO[a].resources, context: { type: 'Ctx' } },
            },
          ]),
        ),
        read: { memberOf: [{ id: 'all' }] },
        write: { memberOf: [{ id: 'all' }] },
        all: {},
      },
    },
  };
  return schema as unknown as SchemaJson<string>;
}

// ---------------------------------------------------------------------------------------------
// Rendering

export const qualify = (namespace: string, type: string) => (namespace ? `${namespace}::${type}` : type);
const cedarString = (s: string) => JSON.stringify(s); // Cedar string escapes are a superset of what JSON.stringify emits for these ids

export function toAvpValue(ns: string, v: Val): AttributeValue {
  switch (v.k) {
    case 'string':
      return { string: v.v };
    case 'long':
      return { long: v.v };
    case 'bool':
      return { boolean: v.v };
    case 'entity':
      return { entityIdentifier: { entityType: qualify(ns, v.type), entityId: v.id } };
    case 'set':
      return { set: v.v.map((x) => toAvpValue(ns, x)) };
    case 'record':
      return { record: Object.fromEntries(Object.entries(v.v).map(([k, x]) => [k, toAvpValue(ns, x)])) };
    case 'ip':
      return { ipaddr: v.v };
    case 'decimal':
      return { decimal: v.v };
    case 'datetime':
      return { datetime: v.v };
    case 'duration':
      return { duration: v.v };
  }
}

export function toCedarValue(ns: string, v: Val): CedarValueJson {
  switch (v.k) {
    case 'string':
    case 'long':
    case 'bool':
      return v.v;
    case 'entity':
      return { __entity: { type: qualify(ns, v.type), id: v.id } };
    case 'set':
      return v.v.map((x) => toCedarValue(ns, x));
    case 'record':
      return Object.fromEntries(Object.entries(v.v).map(([k, x]) => [k, toCedarValue(ns, x)]));
    case 'ip':
      return { __extn: { fn: 'ip', arg: v.v } };
    case 'decimal':
    case 'datetime':
    case 'duration':
      return { __extn: { fn: v.k, arg: v.v } };
  }
}

export const avpUid = (ns: string, u: Uid): EntityIdentifier => ({ entityType: qualify(ns, u.type), entityId: u.id });
export const cedarUid = (ns: string, u: Uid) => ({ type: qualify(ns, u.type), id: u.id });

export function toAvpEntity(ns: string, e: Entity): EntityItem {
  return {
    identifier: avpUid(ns, e.uid),
    attributes: Object.fromEntries(Object.entries(e.attrs).map(([k, v]) => [k, toAvpValue(ns, v)])),
    parents: e.parents.map((p) => avpUid(ns, p)),
    // CedarTagValue has the same members as AttributeValue.
    ...(e.tags && { tags: Object.fromEntries(Object.entries(e.tags).map(([k, v]) => [k, toAvpValue(ns, v) as CedarTagValue])) }),
  };
}

export function toCedarEntity(ns: string, e: Entity): EntityJson {
  return {
    uid: cedarUid(ns, e.uid),
    attrs: Object.fromEntries(Object.entries(e.attrs).map(([k, v]) => [k, toCedarValue(ns, v)])),
    parents: e.parents.map((p) => cedarUid(ns, p)),
    ...(e.tags && { tags: Object.fromEntries(Object.entries(e.tags).map(([k, v]) => [k, toCedarValue(ns, v)])) }),
  };
}

export function toAvpContext(ns: string, c: Record<string, Val>): { contextMap: Record<string, AttributeValue> } | undefined {
  const keys = Object.keys(c);
  // Verified Permissions' documentation: omit the context rather than sending an empty one.
  if (keys.length === 0) return undefined;
  return { contextMap: Object.fromEntries(keys.map((k) => [k, toAvpValue(ns, c[k]!)])) };
}

export function toCedarContext(ns: string, c: Record<string, Val>): Record<string, CedarValueJson> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, toCedarValue(ns, v)]));
}

/** Cedar text of an entity uid, for failure messages and policies. */
export const uidText = (ns: string, u: Uid) => `${qualify(ns, u.type)}::${cedarString(u.id)}`;

// ---------------------------------------------------------------------------------------------
// Values and entities

const S = (v: string): Val => ({ k: 'string', v });
const L = (v: number): Val => ({ k: 'long', v });
const B = (v: boolean): Val => ({ k: 'bool', v });
const E = (type: string, id: string): Val => ({ k: 'entity', type, id });

const stringArb = fc.constantFrom(...NAMES).map(S);
const longArb = fc.constantFrom(...LONGS).map(L);
const boolArb = fc.boolean().map(B);
const tagsArb = (pool: readonly string[]) => fc.subarray([...pool]).map((xs): Val => ({ k: 'set', v: xs.map(S) }));
const refArb = (type: BaseType) => fc.constantFrom(...IDS[type], GHOST[type]).map((id) => E(type, id));
const refSetArb = (type: BaseType) => fc.uniqueArray(fc.constantFrom(...IDS[type], GHOST[type]), { maxLength: 3 }).map((ids): Val => ({ k: 'set', v: ids.map((id) => E(type, id)) }));
const recordArb = (fields: Record<string, fc.Arbitrary<Val>>, optional: string[]) =>
  fc.record(fields, { requiredKeys: Object.keys(fields).filter((k) => !optional.includes(k)) }).map((v): Val => ({ k: 'record', v: v as Record<string, Val> }));

/** A value of some other type, for stores without a schema: makes policies fail at runtime with type errors. */
const wrongArb: fc.Arbitrary<Val> = fc.oneof(
  stringArb,
  longArb,
  boolArb,
  refArb('User'),
  fc.constant<Val>({ k: 'set', v: [L(1), S('red')] }),
  fc.constant<Val>({ k: 'record', v: { dept: L(3) } }),
);

/** Each attribute: [arbitrary, required-with-schema]. */
const SHAPES: Record<BaseType, Record<string, [fc.Arbitrary<Val>, boolean]>> = {
  User: {
    name: [stringArb, true],
    age: [longArb, false],
    active: [boolArb, false],
    roles: [tagsArb(ROLES), false],
    manager: [refArb('User'), false],
    friends: [refSetArb('User'), false],
    profile: [recordArb({ dept: fc.constantFrom('eng', 'ops', 'sales').map(S), level: fc.integer({ min: 1, max: 5 }).map(L) }, ['level']), false],
  },
  Group: { name: [stringArb, true], level: [fc.integer({ min: 1, max: 5 }).map(L), false] },
  Document: {
    title: [stringArb, true],
    owner: [refArb('User'), false],
    size: [longArb, false],
    public: [boolArb, false],
    tags: [tagsArb(TAGS), false],
    readers: [refSetArb('User'), false],
    meta: [recordArb({ classification: fc.constantFrom('public', 'secret').map(S), version: fc.integer({ min: 1, max: 3 }).map(L) }, ['version']), false],
    folder: [refArb('Folder'), false],
    rating: [fc.constantFrom(...DECIMALS).map((v): Val => ({ k: 'decimal', v })), false],
  },
  Folder: { name: [stringArb, true], owner: [refArb('User'), false], public: [boolArb, false] },
};

const CONTEXT_SHAPE: Record<string, fc.Arbitrary<Val>> = {
  mfa: boolArb,
  hour: fc.constantFrom(0, 8, 9, 12, 17, 23).map(L),
  tags: tagsArb(TAGS),
  requester: refArb('User'),
  env: recordArb({ region: fc.constantFrom('eu', 'us').map(S), tier: fc.integer({ min: 0, max: 2 }).map(L) }, ['tier']),
  ip: fc.constantFrom(...IPS).map((v): Val => ({ k: 'ip', v })),
  label: stringArb,
  at: fc.constantFrom(...DATETIMES).map((v): Val => ({ k: 'datetime', v })),
  ttl: fc.constantFrom(...DURATIONS).map((v): Val => ({ k: 'duration', v })),
};

function attrsArb(shape: Record<string, [fc.Arbitrary<Val>, boolean]>, withSchema: boolean): fc.Arbitrary<Record<string, Val>> {
  const fields = Object.fromEntries(
    Object.entries(shape).map(([name, [arb]]) => [name, withSchema ? arb : fc.oneof({ weight: 29, arbitrary: arb }, { weight: 1, arbitrary: wrongArb })]),
  );
  const requiredKeys = withSchema ? Object.entries(shape).filter(([, [, req]]) => req).map(([name]) => name) : [];
  return fc.record(fields, { requiredKeys }) as fc.Arbitrary<Record<string, Val>>;
}

export const contextArb = (withSchema: boolean) =>
  fc.record(withSchema ? CONTEXT_SHAPE : Object.fromEntries(Object.entries(CONTEXT_SHAPE).map(([k, a]) => [k, fc.oneof({ weight: 29, arbitrary: a }, { weight: 1, arbitrary: wrongArb })])), {
    requiredKeys: [],
  }) as fc.Arbitrary<Record<string, Val>>;

/** Parents: groups and folders point "up" the list (no cycles); without a schema, a few cross-type parents too. */
function parentsArb(type: BaseType, index: number, withSchema: boolean): fc.Arbitrary<Uid[]> {
  const up = (t: 'Group' | 'Folder', from: number) => IDS[t].slice(from).map((id) => ({ type: t, id }) as Uid);
  let pool: Uid[];
  if (type === 'User') pool = [...up('Group', 0), { type: 'Group', id: GHOST.Group }];
  else if (type === 'Group') pool = up('Group', index + 1);
  else if (type === 'Document') pool = [...up('Folder', 0), { type: 'Folder', id: GHOST.Folder }];
  else pool = up('Folder', index + 1);
  if (!withSchema && (type === 'User' || type === 'Document')) pool = [...pool, ...up(type === 'User' ? 'Folder' : 'Group', 2)];
  return pool.length === 0 ? fc.constant([]) : fc.subarray(pool, { maxLength: Math.min(3, pool.length) });
}

export function entitiesArb(withSchema: boolean): fc.Arbitrary<Entity[]> {
  const tagValue = withSchema ? fc.constantFrom(...TAG_VALUES).map(S) : fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...TAG_VALUES).map(S) }, { weight: 1, arbitrary: longArb });
  const docTags = fc.option(fc.record(Object.fromEntries(TAG_KEYS.map((k) => [k, tagValue])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, Val>>, { nil: undefined });
  const one = (type: BaseType, id: string, index: number) =>
    fc
      .record({
        present: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
        attrs: attrsArb(SHAPES[type], withSchema),
        parents: parentsArb(type, index, withSchema),
        tags: type === 'Document' ? docTags : fc.constant(undefined),
      })
      .map(({ present, attrs, parents, tags }) => (present ? [{ uid: { type, id }, attrs, parents, ...(tags && { tags }) } as Entity] : []));
  const all = (Object.keys(IDS) as BaseType[]).flatMap((type) => IDS[type].map((id, i) => one(type, id, i)));
  return fc.tuple(...all).map((xs) => xs.flat());
}

// ---------------------------------------------------------------------------------------------
// Requests

const uidArb = (types: BaseType[]) => fc.constantFrom(...types.flatMap((t) => [...IDS[t], GHOST[t]].map((id) => ({ type: t, id }) as Uid)));

function requestArb(withSchema: boolean, principal?: Uid, resource?: Uid): fc.Arbitrary<Req> {
  return fc.constantFrom(...ACTIONS).chain((action) => {
    const rules = withSchema ? APPLIES_TO[action] : { principals: ['User', 'Group', 'Document'] as BaseType[], resources: ['Document', 'Folder', 'User'] as BaseType[] };
    const principalArb = principal
      ? fc.constant(principal)
      : withSchema
        ? uidArb(rules.principals)
        : fc.oneof({ weight: 8, arbitrary: uidArb(['User']) }, { weight: 2, arbitrary: uidArb(rules.principals) });
    const resourceArb = resource
      ? fc.constant(resource)
      : withSchema
        ? uidArb(rules.resources)
        : fc.oneof({ weight: 8, arbitrary: uidArb(['Document', 'Folder']) }, { weight: 2, arbitrary: uidArb(rules.resources) });
    return fc.record({ principal: principalArb, action: fc.constant(action), resource: resourceArb, context: contextArb(withSchema) });
  });
}

/**
 * Batches share one principal or one resource. With a schema, a shared principal is a User and a shared
 * resource a Document, so that every action applies to them.
 */
function batchArb(withSchema: boolean): fc.Arbitrary<Batch> {
  const items = (principal?: Uid, resource?: Uid) =>
    fc.integer({ min: 1, max: 30 }).chain((n) => fc.array(requestArb(withSchema, principal, resource), { minLength: n, maxLength: n }));
  return fc.oneof(
    { weight: 2, arbitrary: uidArb(withSchema ? ['User'] : ['User', 'Group']).chain((p) => items(p, undefined)).map((xs): Batch => ({ shared: 'principal', items: xs })) },
    { weight: 1, arbitrary: uidArb(withSchema ? ['Document'] : ['Document', 'Folder']).chain((r) => items(undefined, r)).map((xs): Batch => ({ shared: 'resource', items: xs })) },
  );
}

// ---------------------------------------------------------------------------------------------
// Policies

interface PolicyVocab {
  T: (t: string) => string;
  withSchema: boolean;
}

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);

/** An expression and the `has` checks that make evaluating it safe (attributes exist). */
interface Term {
  e: string;
  g: string[];
}
const term = (e: string, ...g: string[]): Term => ({ e, g });
const litTerm = (e: string): Term => ({ e, g: [] });

const LONG_PATHS = [
  term('principal.age', 'principal has age'),
  term('resource.size', 'resource has size'),
  term('context.hour', 'context has hour'),
  term('principal.profile.level', 'principal has profile.level'),
  term('principal.profile.level', 'principal has profile', 'principal.profile has level'),
  term('resource.meta.version', 'resource has meta', 'resource.meta has version'),
  term('context.env.tier', 'context has env', 'context.env has tier'),
  term('principal.manager.age', 'principal has manager', 'principal.manager has age'),
  term('resource.owner.age', 'resource has owner', 'resource.owner has age'),
  term('principal.level', 'principal has level'),
];
const STRING_PATHS = [
  term('principal.name', 'principal has name'),
  term('resource.title', 'resource has title'),
  term('resource.name', 'resource has name'),
  term('resource.owner.name', 'resource has owner', 'resource.owner has name'),
  term('principal.profile.dept', 'principal has profile.dept'),
  term('resource.meta.classification', 'resource has meta', 'resource.meta has classification'),
  term('context.label', 'context has label'),
  term('context.env.region', 'context has env', 'context.env has region'),
  term('principal["name"]', 'principal has "name"'),
  term('resource.folder.name', 'resource has folder', 'resource.folder has name'),
];
const BOOL_PATHS = [
  term('principal.active', 'principal has active'),
  term('resource.public', 'resource has public'),
  term('context.mfa', 'context has mfa'),
  term('resource.folder.public', 'resource has folder', 'resource.folder has public'),
  term('principal.manager.active', 'principal has manager', 'principal.manager has active'),
];
const STRING_SET_PATHS = [term('principal.roles', 'principal has roles'), term('resource.tags', 'resource has tags'), term('context.tags', 'context has tags')];
const ENTITY_PATHS = [
  term('principal'),
  term('resource'),
  term('resource.owner', 'resource has owner'),
  term('principal.manager', 'principal has manager'),
  term('context.requester', 'context has requester'),
  term('resource.folder', 'resource has folder'),
  term('resource.folder.owner', 'resource has folder', 'resource.folder has owner'),
];
const ENTITY_SET_PATHS = [term('principal.friends', 'principal has friends'), term('resource.readers', 'resource has readers')];

/**
 * A boolean condition. In a `risky` policy, leaves skip their `has` guards half of the time and a few leaves
 * fail outright (type errors, overflow, missing attributes), so such policies error at runtime for some requests.
 */
function conditionArb({ T, withSchema }: PolicyVocab, risky: boolean): fc.Arbitrary<string> {
  const lit = (u: Uid) => `${T(u.type)}::${cedarString(u.id)}`;
  const uidLit = (types: BaseType[]) => uidArb(types).map((u) => litTerm(lit(u)));
  const long = fc.oneof({ weight: 3, arbitrary: pick(...LONG_PATHS) }, { weight: 1, arbitrary: pick(...LONGS.map(String)).map(litTerm) });
  const longLit = pick(...LONGS.map(String), '-1', '2').map(litTerm);
  const string = fc.oneof({ weight: 3, arbitrary: pick(...STRING_PATHS) }, { weight: 1, arbitrary: pick(...NAMES, 'eng', 'secret', 'eu').map((s) => litTerm(cedarString(s))) });
  const boolean = pick(...BOOL_PATHS);
  const strSet = pick(...STRING_SET_PATHS);
  const strSetLit = fc.subarray([...TAGS, ...ROLES], { maxLength: 3 }).map((xs) => litTerm(`[${xs.map(cedarString).join(', ')}]`));
  const entity = fc.oneof({ weight: 3, arbitrary: pick(...ENTITY_PATHS) }, { weight: 2, arbitrary: uidLit(['User', 'Group', 'Folder', 'Document']) });
  const entSetLit = fc.array(uidArb(['User', 'Group', 'Folder']), { maxLength: 3 }).map((xs) => litTerm(`[${xs.map(lit).join(', ')}]`));
  const entSet = fc.oneof(pick(...ENTITY_SET_PATHS), entSetLit);
  const cmp = pick('<', '<=', '>', '>=', '==', '!=');
  const pattern = pick('a*', '*report*', '*', '', 'al?ce', 'a\\*b', '*o*', 'Zo*', 'alice', '*e');
  const typeName = pick('User', 'Group', 'Document', 'Folder').map(T);

  /** Build a leaf from terms: `f` renders their expressions; guards are prepended unless this leaf is left unguarded. */
  type Leaf = { text: string; g: string[] };
  const leafOf = <Ts extends Term[]>(arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> }, f: (...es: string[]) => string): fc.Arbitrary<Leaf> =>
    (fc.tuple(...(arbs as fc.Arbitrary<Term>[])) as fc.Arbitrary<Term[]>).map((ts) => ({ text: f(...ts.map((t) => t.e)), g: [...new Set(ts.flatMap((t) => t.g))] }));
  const plain = (text: string): Leaf => ({ text, g: [] });

  const leaves: fc.Arbitrary<Leaf>[] = [
    leafOf([long, cmp.map(litTerm), longLit], (a, op, b) => `${a} ${op} ${b}`),
    leafOf([long, cmp.map(litTerm), long], (a, op, b) => `${a} ${op} ${b}`),
    leafOf([string, pick('==', '!=').map(litTerm), string], (a, op, b) => `${a} ${op} ${b}`),
    leafOf([string, pattern.map(litTerm)], (a, p) => `${a} like "${p}"`),
    leafOf([boolean], (a) => a),
    leafOf([boolean, pick('true', 'false').map(litTerm)], (a, b) => `${a} == ${b}`),
    leafOf([strSet, fc.oneof(string, pick(...TAGS, ...ROLES).map((s) => litTerm(cedarString(s))))], (s, x) => `${s}.contains(${x})`),
    leafOf([strSet, strSetLit], (s, x) => `${s}.containsAll(${x})`),
    leafOf([strSet, strSetLit], (s, x) => `${s}.containsAny(${x})`),
    leafOf([strSetLit, strSet], (x, s) => `${x}.containsAll(${s})`),
    leafOf([strSet], (s) => `${s}.isEmpty()`),
    leafOf([entSet, entity], (s, e) => `${s}.contains(${e})`),
    leafOf([entity, entity], (a, b) => `${a} == ${b}`),
    leafOf([entity, entity], (a, b) => `${a} in ${b}`),
    leafOf([entity, entSet], (a, b) => `${a} in ${b}`),
    leafOf([entity, typeName.map(litTerm)], (a, t) => `${a} is ${t}`),
    leafOf([entity, typeName.map(litTerm), uidLit(['Group', 'Folder'])], (a, t, g) => `${a} is ${t} in ${g}`),
    leafOf([long, long], (a, b) => `${a} + ${b} < 100`),
    leafOf([long], (a) => `-${a} < 0`),
    pick(...LONG_PATHS, ...STRING_PATHS, ...BOOL_PATHS).map((t) => plain(t.g.join(' && '))),
    pick(
      { text: 'principal.profile == {"dept": "eng", "level": 3}', g: ['principal has profile'] },
      { text: 'principal.profile == {"dept": "eng"}', g: ['principal has profile'] },
      { text: 'context.env == {"region": "eu"}', g: ['context has env'] },
      { text: 'context.env.region == principal.profile.dept', g: ['context has env', 'principal has profile'] },
      { text: 'context.ip.isInRange(ip("10.0.0.0/8"))', g: ['context has ip'] },
      { text: 'context.ip.isLoopback()', g: ['context has ip'] },
      { text: 'context.ip.isIpv6()', g: ['context has ip'] },
      { text: 'resource.rating.greaterThan(decimal("2.5"))', g: ['resource has rating'] },
      { text: 'resource.rating.lessThanOrEqual(decimal("3.0"))', g: ['resource has rating'] },
      { text: 'resource.owner == principal', g: ['resource has owner'] },
      { text: 'resource.owner in principal', g: ['resource has owner'] },
      { text: 'principal in resource.readers', g: ['resource has readers'] },
      { text: 'context.requester in resource.readers', g: ['context has requester', 'resource has readers'] },
      { text: 'principal.roles.contains("admin")', g: ['principal has roles'] },
      { text: `resource.folder in ${T('Folder')}::"root"`, g: ['resource has folder'] },
      { text: '[1, 2, 3].contains(context.hour)', g: ['context has hour'] },
      { text: 'context.at < datetime("2025-01-01")', g: ['context has at'] },
      { text: 'context.at.toDate() == datetime("2024-10-15")', g: ['context has at'] },
      { text: 'context.at.offset(context.ttl) > datetime("2024-10-15T12:00:00Z")', g: ['context has at', 'context has ttl'] },
      { text: 'context.ttl.toHours() >= 1', g: ['context has ttl'] },
      { text: 'context.ttl < duration("1h")', g: ['context has ttl'] },
      { text: 'resource.getTag("env") == "prod"', g: ['resource.hasTag("env")'] },
      { text: 'resource.getTag("team") == context.label', g: ['resource.hasTag("team")', 'context has label'] },
      plain('resource.hasTag("env")'),
      plain('principal.hasTag("team")'),
      plain('{"a": 1}.a == 1'),
      plain('true'),
      plain('false'),
    ),
  ];
  if (withSchema) leaves.push(pick('all', 'read', 'write').map((g) => plain(`action in ${T('Action')}::"${g}"`)));
  const failing: fc.Arbitrary<Leaf>[] = [
    leafOf([long], (a) => `${a} * 1099511627776 > 0`), // overflows for the largest longs
    leafOf([string], (a) => `${a} < 3`), // type error
    leafOf([long], (a) => `${a} like "1*"`), // type error
    pick('principal.nickname == "al"', 'resource.owner.nickname like "*"', 'context.missing', `${T('User')}::"alice".name == "alice"`, 'resource.getTag("team") like "e*"').map(plain), // missing attribute, tag or entity
  ];
  const render = (l: Leaf, guarded: boolean) => (guarded && l.g.length > 0 ? `${l.g.join(' && ')} && ${l.text}` : l.text);
  const leaf = risky
    ? fc.oneof({ weight: 5, arbitrary: fc.tuple(fc.oneof(...leaves), fc.boolean()).map(([l, guarded]) => render(l, guarded)) }, { weight: 1, arbitrary: fc.oneof(...failing).map((l) => render(l, false)) })
    : fc.oneof(...leaves).map((l) => render(l, true));

  const { expr } = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'cedar-expr' },
      { weight: 6, arbitrary: leaf },
      { weight: 2, arbitrary: fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a}) && (${b})`) },
      { weight: 2, arbitrary: fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a}) || (${b})`) },
      { weight: 1, arbitrary: tie('expr').map((a) => `!(${a})`) },
      { weight: 1, arbitrary: fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([a, b, c]) => `if (${a}) then (${b}) else (${c})`) },
    ),
  }));
  return expr;
}

export function policyArb(v: PolicyVocab): fc.Arbitrary<string> {
  const { T, withSchema } = v;
  const lit = (t: BaseType | 'Action', id: string) => `${T(t)}::${cedarString(id)}`;
  const principal = fc.oneof(
    { weight: 4, arbitrary: fc.constant('principal') },
    { weight: 2, arbitrary: uidArb(['User']).map((u) => `principal == ${lit('User', u.id)}`) },
    { weight: 3, arbitrary: uidArb(['Group']).map((u) => `principal in ${lit('Group', u.id)}`) },
    { weight: 1, arbitrary: pick('User', 'Group').map((t) => `principal is ${T(t)}`) },
    { weight: 1, arbitrary: uidArb(['Group']).map((u) => `principal is ${T('User')} in ${lit('Group', u.id)}`) },
    { weight: 1, arbitrary: uidArb(['User']).map((u) => `principal in ${lit('User', u.id)}`) },
  );
  const actionLits = withSchema ? [...ACTIONS, ...ACTION_GROUPS] : [...ACTIONS];
  const action = fc.oneof(
    { weight: 3, arbitrary: fc.constant('action') },
    { weight: 3, arbitrary: pick(...actionLits).map((a) => `action == ${lit('Action', a)}`) },
    { weight: 2, arbitrary: fc.subarray(actionLits, { minLength: 1, maxLength: Math.min(3, actionLits.length) }).map((as) => `action in [${as.map((a) => lit('Action', a)).join(', ')}]`) },
    ...(withSchema ? [{ weight: 3, arbitrary: pick(...ACTION_GROUPS).map((a) => `action in ${lit('Action', a)}`) }] : []),
  );
  const resource = fc.oneof(
    { weight: 4, arbitrary: fc.constant('resource') },
    { weight: 2, arbitrary: uidArb(['Document']).map((u) => `resource == ${lit('Document', u.id)}`) },
    { weight: 3, arbitrary: uidArb(['Folder']).map((u) => `resource in ${lit('Folder', u.id)}`) },
    { weight: 1, arbitrary: pick('Document', 'Folder').map((t) => `resource is ${T(t)}`) },
    { weight: 1, arbitrary: uidArb(['Folder']).map((u) => `resource is ${T('Document')} in ${lit('Folder', u.id)}`) },
  );
  const clauses = (risky: boolean, min: number) =>
    fc.array(fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constant('when') }, { weight: 1, arbitrary: fc.constant('unless') }), conditionArb(v, risky)).map(([k, e]) => `${k} { ${e} }`), {
      minLength: min,
      maxLength: 2,
    });
  return fc
    .record({ effect: fc.oneof({ weight: 3, arbitrary: fc.constant('permit') }, { weight: 1, arbitrary: fc.constant('forbid') }), risky: fc.integer({ min: 0, max: 5 }).map((n) => n === 0) })
    .chain(({ effect, risky }) =>
      fc
        .record({ principal, action, resource })
        // A forbid constrains its principal or resource, so that it does not shadow every permit.
        .filter((s) => effect === 'permit' || s.principal !== 'principal' || s.resource !== 'resource')
        .chain((scope) => {
          const open = scope.principal === 'principal' && scope.resource === 'resource';
          // Forbids and wide-open permits always have a condition.
          return clauses(risky, effect === 'forbid' || open ? 1 : 0).map((cs) => ({ ...scope, clauses: cs }));
        })
        .map(({ principal, action, resource, clauses }) => `${effect} (${principal}, ${action}, ${resource})${clauses.map((c) => `\n  ${c}`).join('')};`),
    );
}

export interface ScenarioSizes {
  policies: { min: number; max: number };
  requests: number;
  batches: number;
}

export function scenarioArb(sizes: ScenarioSizes, withSchema: boolean): fc.Arbitrary<Scenario> {
  return fc.record({ namespace: pick('', 'Acme'), withSchema: fc.constant(withSchema) }).chain(({ namespace, withSchema }) => {
    const T = (t: string) => qualify(namespace, t);
    return fc.record({
      namespace: fc.constant(namespace),
      withSchema: fc.constant(withSchema),
      policies: fc.array(policyArb({ T, withSchema }), { minLength: sizes.policies.min, maxLength: sizes.policies.max }),
      entities: entitiesArb(withSchema),
      requests: fc.array(requestArb(withSchema), { minLength: sizes.requests, maxLength: sizes.requests }),
      batches: fc.array(batchArb(withSchema), { minLength: sizes.batches, maxLength: sizes.batches }),
    });
  });
}
