import { exactInteger } from '../../util/lossless-json.ts';
import { ValidationException } from './errors.ts';
import type { CedarEntity, CedarValue, EntityIdentifier } from './model.ts';

/**
 * Verified Permissions' typed `AttributeValue` union, as the wire carries it. A `long` beyond 2^53
 * arrives as a `JSON.rawJSON` value and passes to Cedar verbatim.
 */
export type AttributeValue =
  | { boolean: boolean }
  | { long: number | object }
  | { string: string }
  | { entityIdentifier: EntityIdentifier }
  | { set: AttributeValue[] }
  | { record: Record<string, AttributeValue> }
  | { ipaddr: string }
  | { decimal: string }
  | { datetime: string }
  | { duration: string };

export interface EntityItem {
  identifier: EntityIdentifier;
  attributes?: Record<string, AttributeValue>;
  parents?: EntityIdentifier[];
  tags?: Record<string, AttributeValue>;
}

const EXTENSIONS = { ipaddr: 'ip', decimal: 'decimal', datetime: 'datetime', duration: 'duration' } as const;

/** One AttributeValue in Cedar's JSON value form. The union has exactly one member (checked at the adapter). */
export function toCedarValue(value: AttributeValue): CedarValue {
  if ('boolean' in value) return value.boolean;
  if ('long' in value) return value.long;
  if ('string' in value) return value.string;
  if ('entityIdentifier' in value) return { __entity: { type: value.entityIdentifier.entityType, id: value.entityIdentifier.entityId } };
  if ('set' in value) return value.set.map(toCedarValue);
  if ('record' in value) return toCedarRecord(value.record);
  for (const [member, fn] of Object.entries(EXTENSIONS)) {
    if (member in value) return { __extn: { fn, arg: (value as Record<string, string>)[member] } };
  }
  throw new ValidationException('An AttributeValue must set exactly one member.');
}

export function toCedarRecord(record: Record<string, AttributeValue>): Record<string, CedarValue> {
  const out: Record<string, CedarValue> = {};
  for (const [key, value] of Object.entries(record)) out[key] = toCedarValue(value);
  return out;
}

/** An entityList item as a Cedar JSON entity. */
export function toCedarEntity(item: EntityItem): CedarEntity {
  return {
    uid: { type: item.identifier.entityType, id: item.identifier.entityId },
    attrs: toCedarRecord(item.attributes ?? {}),
    parents: (item.parents ?? []).map((p) => ({ type: p.entityType, id: p.entityId })),
    ...(item.tags && { tags: toCedarRecord(item.tags) }),
  };
}

/** The uid of a Cedar JSON entity (`{type, id}` or `{__entity: …}`), or undefined for a malformed one (Cedar will say why). */
export function entityUid(entity: unknown): { type: string; id: string } | undefined {
  const raw = (entity as { uid?: { type?: unknown; id?: unknown; __entity?: { type?: unknown; id?: unknown } } } | null)?.uid;
  const uid = raw?.__entity ?? raw;
  return typeof uid?.type === 'string' && typeof uid.id === 'string' ? { type: uid.type, id: uid.id } : undefined;
}

/** Verified Permissions keeps the last of several entities with one identifier. */
export function lastOfEachIdentifier(entities: CedarEntity[]): CedarEntity[] {
  const byUid = new Map<string, CedarEntity>();
  for (const e of entities) {
    const key = JSON.stringify([e.uid.type, e.uid.id]);
    byUid.delete(key);
    byUid.set(key, e);
  }
  return [...byUid.values()];
}

/** A JSON value from a client's `cedarJson` string, read so 64-bit integers keep every digit. */
export function parseCedarJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => exactInteger(value, context?.source) ?? value);
  } catch {
    throw new ValidationException(`${what} is not valid JSON.`);
  }
}
