import type { CedarEntity, CedarJson, CedarUid } from './corpus-files.ts';
import { isRawJson, type RawJson } from './lossless-json.ts';

/** Verified Permissions' `AttributeValue` (and `CedarTagValue`) on the wire; `long` may be an exact raw i64. */
export type AvpValue =
  | { boolean: boolean }
  | { long: number | RawJson }
  | { string: string }
  | { entityIdentifier: AvpEntityIdentifier }
  | { set: AvpValue[] }
  | { record: Record<string, AvpValue> }
  | { ipaddr: string }
  | { decimal: string }
  | { datetime: string }
  | { duration: string };

export interface AvpEntityIdentifier {
  entityType: string;
  entityId: string;
}

export interface AvpEntityItem {
  identifier: AvpEntityIdentifier;
  attributes?: Record<string, AvpValue>;
  parents?: AvpEntityIdentifier[];
  tags?: Record<string, AvpValue>;
}

/** A Cedar value the typed members cannot state: the request then carries Cedar JSON (`cedarJson`). */
export class NotTypedExpressible extends Error {
  override name = 'NotTypedExpressible';
}

// The patterns and lengths of the Verified Permissions model's extension members.
const EXTENSIONS: Record<string, { member: 'ipaddr' | 'decimal' | 'datetime' | 'duration'; pattern: RegExp; min: number; max: number }> = {
  ip: { member: 'ipaddr', pattern: /^[0-9a-fA-F.:/]*$/, min: 1, max: 44 },
  decimal: { member: 'decimal', pattern: /^-?\d{1,15}\.\d{1,4}$/, min: 3, max: 23 },
  datetime: { member: 'datetime', pattern: /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{4}))?$/, min: 10, max: 28 },
  duration: { member: 'duration', pattern: /^-?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/, min: 2, max: 100 },
};

export interface ConversionNotes {
  /** Decimal literals rewritten to the model's form (leading zeros dropped), e.g. `-0387….2232`. */
  canonicalDecimals: number;
}

export const identifier = (uid: CedarUid): AvpEntityIdentifier => ({ entityType: uid.type, entityId: uid.id });

/**
 * A Cedar JSON value (explicit `__entity`/`__extn` forms, as the whole corpus writes them) as a typed
 * `AttributeValue`. Throws `NotTypedExpressible` for values with no typed member (e.g. `offset(…)`, an
 * extension call with several arguments), and refuses the implicit forms, whose type only a schema fixes.
 */
export function toAvpValue(v: CedarJson, notes: ConversionNotes): AvpValue {
  if (typeof v === 'boolean') return { boolean: v };
  if (typeof v === 'number') return { long: v };
  if (typeof v === 'string') return { string: v };
  if (v === null) throw new TypeError('null is not a Cedar value');
  if (isRawJson(v)) return { long: v };
  if (Array.isArray(v)) return { set: v.map((x) => toAvpValue(x, notes)) };
  const record = v as Record<string, CedarJson>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === '__entity') return { entityIdentifier: identifier(record.__entity as unknown as CedarUid) };
  if (keys.length === 1 && keys[0] === '__extn') return extension(record.__extn as unknown as { fn: string; arg?: CedarJson; args?: CedarJson[] }, notes);
  const sorted = keys.slice().sort().join(',');
  if (sorted === 'id,type' || sorted === 'arg,fn') throw new TypeError(`implicit entity or extension form ${JSON.stringify(v)}: its type depends on the schema`);
  // fromEntries, so that an attribute named `__proto__` stays an attribute.
  return { record: Object.fromEntries(keys.map((k) => [k, toAvpValue(record[k]!, notes)])) };
}

function extension(extn: { fn: string; arg?: CedarJson; args?: CedarJson[] }, notes: ConversionNotes): AvpValue {
  const spec = EXTENSIONS[extn.fn];
  if (!spec || typeof extn.arg !== 'string' || extn.args !== undefined) {
    throw new NotTypedExpressible(`extension value ${extn.fn}(…) has no typed member`);
  }
  let arg = extn.arg;
  if (extn.fn === 'decimal' && !fits(arg, spec)) {
    // Same value, the model's spelling: at most 15 integer digits, so no leading zeros.
    const m = /^(-?)0*(\d+\.\d+)$/.exec(arg);
    if (m) {
      arg = m[1]! + m[2]!;
      notes.canonicalDecimals++;
    }
  }
  if (!fits(arg, spec)) throw new NotTypedExpressible(`${extn.fn}(${JSON.stringify(extn.arg)}) does not fit the ${spec.member} member`);
  return { [spec.member]: arg } as AvpValue;
}

function fits(arg: string, spec: { pattern: RegExp; min: number; max: number }): boolean {
  return spec.pattern.test(arg) && arg.length >= spec.min && arg.length <= spec.max;
}

export function toAvpEntityItem(e: CedarEntity, notes: ConversionNotes): AvpEntityItem {
  const item: AvpEntityItem = { identifier: identifier(e.uid) };
  const attrs = Object.entries(e.attrs);
  if (attrs.length) item.attributes = Object.fromEntries(attrs.map(([k, v]) => [k, toAvpValue(v, notes)]));
  if (e.parents.length) item.parents = e.parents.map(identifier);
  const tags = Object.entries(e.tags ?? {});
  if (tags.length) item.tags = Object.fromEntries(tags.map(([k, v]) => [k, toAvpValue(v, notes)]));
  return item;
}
