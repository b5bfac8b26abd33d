const rawJSON = (JSON as { rawJSON?: (text: string) => unknown }).rawJSON;

/**
 * For JSON.parse revivers: an integer literal beyond 2^53 kept as a `JSON.rawJSON` value, so that
 * JSON.stringify writes every digit back (Cedar's Long is i64). Undefined for any other value, and
 * where this Node.js has no source access (Node 20 without --harmony-json-parse-with-source).
 */
export function exactInteger(value: unknown, source: string | undefined): unknown {
  if (typeof value !== 'number' || Number.isSafeInteger(value) || !rawJSON || source === undefined || !/^-?\d+$/.test(source)) return undefined;
  return rawJSON(source);
}
