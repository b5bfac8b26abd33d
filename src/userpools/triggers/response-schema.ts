import { z } from 'zod';
import { unrecognizableOutput } from './errors.ts';

/*
 * Cognito reads a trigger's `response` into typed fields and refuses what it cannot read with
 * InvalidLambdaResponseException `Unrecognizable lambda output` (also for members it does not know:
 * a PostConfirmation response must stay `{}`). Scalars are read leniently, the way a JSON binder
 * with scalar coercion does: `5` and `true` are read as strings where a string is expected, and
 * `"true"`/`"false"` as booleans where a boolean is expected. Null means "not set".
 */

export const lenientString = z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string());

export const lenientBoolean = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/** Cognito's `{"string": "string"}` maps. */
export const lenientStringMap = z.record(z.string(), lenientString);

/** An optional member: absent or null both mean "not set" and read as undefined. */
export function unset<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v) => (v === null ? undefined : v));
}

/** Reads a response with a schema, or refuses it the way Cognito does. */
export function readWith<T extends z.ZodType>(schema: T, response: Record<string, unknown>): z.output<T> {
  const parsed = schema.safeParse(response);
  if (!parsed.success) throw unrecognizableOutput(parsed.error);
  return parsed.data;
}
