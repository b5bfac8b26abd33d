import type { CelInput, CelValue } from '@bufbuild/cel';
import { type CelMap, celMap, isCelList, isCelMap, isCelUint } from '@bufbuild/cel';
import { DurationSchema, TimestampSchema, type Duration, type Timestamp, timestampDate } from '@bufbuild/protobuf/wkt';
import { isMessage } from '@bufbuild/protobuf';

/**
 * JSON values (attributes, constants, claims) as CEL sees them. Cerbos receives attributes as
 * protobuf `Value`s, so every JSON number is a double, as it is here.
 */
export function toCel(value: unknown): CelInput {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value === 'object') {
    const m = new Map<string, CelInput>();
    let hasNull = false;
    for (const [k, v] of Object.entries(value)) {
      if (v === null) hasNull = true;
      m.set(k, toCel(v));
    }
    return hasNull ? presenceByKey(m) : m;
  }
  return value as CelInput;
}

/**
 * `@bufbuild/cel`'s maps answer `has()` with "the value is not null", so an attribute that is
 * present with a JSON null would be absent. CEL (and cel-go, so Cerbos) tests the key. Only maps
 * holding a null need the correction.
 */
export function presenceByKey(m: Map<string, CelInput>): CelMap {
  const c = celMap(m);
  Object.defineProperty(c, 'has', { value: (key: unknown) => typeof key === 'string' && m.has(key) });
  return c;
}

/** A CEL result as JSON, the way Cerbos renders outputs (`structpb.Value`). */
export function fromCel(value: CelValue): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return value;
  // Like cel-go's conversion to a protobuf Value: an integer a double cannot hold exactly becomes text.
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (isCelUint(value)) return Number(value.value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (isCelList(value)) return [...value].map(fromCel);
  if (isCelMap(value)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of value) {
      // A JSON object has string keys; cel-go refuses to convert any other map.
      if (typeof k !== 'string') throw new Error(`unsupported type conversion from '${typeof k === 'boolean' ? 'bool' : isCelUint(k) ? 'uint' : 'int'}' to string`);
      o[k] = fromCel(v);
    }
    return o;
  }
  const message = (value as { message?: unknown }).message;
  if (isMessage(message, TimestampSchema)) return timestampDate(message as Timestamp).toISOString().replace('.000Z', 'Z');
  if (isMessage(message, DurationSchema)) {
    const d = message as Duration;
    const seconds = Number(d.seconds) + d.nanos / 1e9;
    return `${seconds}s`;
  }
  throw new Error(`cannot render a value of type ${typeof value} as JSON`);
}
