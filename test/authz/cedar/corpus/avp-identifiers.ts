import type { CedarEntity, CedarJson, CedarUid, CorpusRequest } from './corpus-files.ts';
import { isRawJson } from './lossless-json.ts';

// Verified Permissions cannot carry every Cedar entity ID. Its model gives `EntityId` a length of
// 1..612 and `ActionId` 1..512, both with the pattern `^.*$` (ECMAScript: no line terminators). The
// corpus is full of `T::""` and has IDs with newlines, so such IDs are renamed, consistently in the
// schema, policies, entities and requests, to fresh IDs nothing else uses. Cedar cannot look inside an
// entity ID (only compare entities), so a one-to-one renaming keeps every decision, reason and error.

/** Whether the API's `EntityId`/`ActionId` members can carry an ID as it is. */
export function isAvpExpressibleId(id: string, maxLength: number): boolean {
  const length = [...id].length;
  return length >= 1 && length <= maxLength && !/[\n\r\u2028\u2029]/.test(id);
}

const MAX_ID = 512; // the tighter of EntityId (612) and ActionId (512): one rule for both

export interface IdRenaming {
  /** Original ID → replacement, for the IDs that need one. */
  readonly renamed: ReadonlyMap<string, string>;
  id(id: string): string;
  uid(uid: CedarUid): CedarUid;
  value(value: CedarJson): CedarJson;
  entity(entity: CedarEntity): CedarEntity;
  request(request: CorpusRequest): CorpusRequest;
  /** A JSON schema (`schemaToJson` output), renamed. */
  schema(schema: SchemaJson): SchemaJson;
  /** A policy's text, renamed; the same text when it names no renamed ID. */
  policyText(text: string): string;
}

export type SchemaJson = Record<string, { entityTypes?: Record<string, { enum?: string[] }>; actions?: Record<string, { memberOf?: Array<{ id: string; type?: string }> }> }>;

/** Plans the renaming from every ID the test mentions anywhere. */
export function planIdRenaming(ids: Iterable<string>): IdRenaming {
  const all = new Set(ids);
  const prefix = freshPrefix(all);
  const renamed = new Map<string, string>();
  for (const id of [...all].sort()) {
    if (!isAvpExpressibleId(id, MAX_ID)) renamed.set(id, `${prefix}${renamed.size}`);
  }
  const id = (s: string) => renamed.get(s) ?? s;
  const uid = (u: CedarUid): CedarUid => ({ type: u.type, id: id(u.id) });
  const value = (v: CedarJson): CedarJson => mapEntityRefs(v, uid);
  return {
    renamed,
    id,
    uid,
    value,
    entity: (e) => ({
      uid: uid(e.uid),
      attrs: mapRecord(e.attrs, value),
      parents: e.parents.map(uid),
      ...(e.tags && { tags: mapRecord(e.tags, value) }),
    }),
    request: (r) => ({ ...r, principal: uid(r.principal), action: uid(r.action), resource: uid(r.resource), context: mapRecord(r.context, value) }),
    schema: (schema) => renameSchema(schema, id),
    policyText: (text) => (renamed.size ? renameEntityLiterals(text, id) : text),
  };
}

/** Every entity ID a test mentions: entities, requests, schema (enums, actions) and policies. */
export function collectIds(parts: { entities: CedarEntity[]; requests: CorpusRequest[]; schema: SchemaJson; policies: string[] }): Set<string> {
  const ids = new Set<string>();
  const add = (u: CedarUid) => {
    ids.add(u.id);
    return u;
  };
  for (const e of parts.entities) {
    add(e.uid);
    e.parents.forEach(add);
    mapRecord(e.attrs, (v) => mapEntityRefs(v, add));
    if (e.tags) mapRecord(e.tags, (v) => mapEntityRefs(v, add));
  }
  for (const r of parts.requests) {
    [r.principal, r.action, r.resource].forEach(add);
    mapRecord(r.context, (v) => mapEntityRefs(v, add));
  }
  renameSchema(parts.schema, (id) => (ids.add(id), id));
  for (const p of parts.policies) renameEntityLiterals(p, (id) => (ids.add(id), id));
  return ids;
}

function freshPrefix(ids: Set<string>): string {
  for (let n = 0; ; n++) {
    const prefix = n === 0 ? 'avp-renamed-' : `avp-renamed-${n}-`;
    if (![...ids].some((id) => id.startsWith(prefix))) return prefix;
  }
}

function mapRecord<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  // fromEntries, so that an attribute named `__proto__` stays an attribute.
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
}

/** Maps the `{"__entity": {type, id}}` references inside a Cedar JSON value. */
function mapEntityRefs(v: CedarJson, f: (uid: CedarUid) => CedarUid): CedarJson {
  if (v === null || typeof v !== 'object' || isRawJson(v)) return v;
  if (Array.isArray(v)) return v.map((x) => mapEntityRefs(x, f));
  const record = v as Record<string, CedarJson>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === '__entity') return { __entity: f(record.__entity as unknown as CedarUid) as unknown as CedarJson };
  return mapRecord(record, (x) => mapEntityRefs(x, f));
}

function renameSchema(schema: SchemaJson, id: (id: string) => string): SchemaJson {
  const out: SchemaJson = {};
  for (const [ns, def] of Object.entries(schema)) {
    const entityTypes = def.entityTypes && mapRecord(def.entityTypes, (t) => (t.enum ? { ...t, enum: t.enum.map(id) } : t));
    const actions = def.actions && Object.fromEntries(
      Object.entries(def.actions).map(([name, a]) => [id(name), a.memberOf ? { ...a, memberOf: a.memberOf.map((m) => ({ ...m, id: id(m.id) })) } : a]),
    );
    out[ns] = { ...def, ...(entityTypes && { entityTypes }), ...(actions && { actions }) };
  }
  return out;
}

/**
 * Renames entity literals (`Type::"id"`) in a policy's text: a string literal right after `::`.
 * Works on the text, not Cedar's JSON form of the policy, because that form loses Long literals
 * beyond 2^53 in JS. Comments and other string literals are left alone.
 */
export function renameEntityLiterals(text: string, id: (id: string) => string): string {
  let out = '';
  let i = 0;
  let afterColons = false; // the last token was `::`
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === '"') {
      const end = stringEnd(text, i);
      const literal = text.slice(i, end);
      if (afterColons) {
        const decoded = decodeCedarString(literal);
        const renamed = id(decoded);
        out += renamed === decoded ? literal : JSON.stringify(renamed);
      } else {
        out += literal;
      }
      i = end;
      afterColons = false;
      continue;
    }
    if (ch === ':' && text[i + 1] === ':') {
      out += '::';
      i += 2;
      afterColons = true;
      continue;
    }
    if (!/\s/.test(ch)) afterColons = false;
    out += ch;
    i++;
  }
  return out;
}

function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  throw new SyntaxError('unterminated string literal');
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '0': '\0', "'": "'", '"': '"' };

/** The value of a Cedar string literal (quotes included). */
export function decodeCedarString(literal: string): string {
  let out = '';
  for (let i = 1; i < literal.length - 1; i++) {
    const ch = literal[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = literal[++i]!;
    if (next === 'u') {
      const m = /^\{([0-9a-fA-F]{1,6})\}/.exec(literal.slice(i + 1));
      if (!m) throw new SyntaxError(`bad \\u escape in ${literal}`);
      out += String.fromCodePoint(parseInt(m[1]!, 16));
      i += m[0].length;
    } else if (next in ESCAPES) {
      out += ESCAPES[next];
    } else {
      throw new SyntaxError(`unknown escape \\${next} in ${literal}`);
    }
  }
  return out;
}
