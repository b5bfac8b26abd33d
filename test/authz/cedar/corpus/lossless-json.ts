/**
 * JSON with exact i64 integers. Cedar's Long is i64, beyond what a JS number holds. Node 20 started
 * with `--harmony-json-parse-with-source` (as vitest runs it) has `JSON.rawJSON`, whose values
 * `JSON.stringify` writes back verbatim: integers beyond 2^53 are read into such values and so go out
 * digit for digit.
 */

/** A `JSON.rawJSON` value: an integer literal kept digit for digit. */
export interface RawJson {
  readonly rawJSON: string;
}

export type JsonValue = null | boolean | number | string | RawJson | JsonValue[] | { [key: string]: JsonValue };

interface JsonWithSource {
  rawJSON?: (text: string) => RawJson;
  isRawJSON?: (value: unknown) => boolean;
}

const json = JSON as unknown as JsonWithSource;

/** Throws unless this process can write integers losslessly. */
export function requireLosslessJson(): void {
  if (typeof json.rawJSON !== 'function' || typeof json.isRawJSON !== 'function') {
    throw new TypeError('JSON.rawJSON is missing: run Node 20 with --harmony-json-parse-with-source (vitest.config.ts does)');
  }
  if (JSON.stringify([json.rawJSON('9007199254740993')]) !== '[9007199254740993]') throw new TypeError('JSON.stringify does not write raw JSON');
}

export function isRawJson(value: unknown): value is RawJson {
  return json.isRawJSON!(value);
}

/**
 * Parses JSON, keeping integers beyond 2^53 as raw JSON. It finds them by scanning the text rather
 * than with a source-reading reviver: Node 20's experimental reviver context has crashed V8 under load
 * (a fatal "unreachable code" in the deoptimizer), and a plain parse is faster.
 */
export function parseLossless(text: string): JsonValue {
  // Every integer of at most 15 digits is safe; only texts with longer digit runs need the scan.
  if (!/\d{16}/.test(text)) return JSON.parse(text) as JsonValue;
  const marker = `\u0000exact-integer-${Math.random().toString(36).slice(2)}`;
  const parsed = JSON.parse(markBigIntegers(text, marker)) as JsonValue;
  return unmark(parsed, marker);
}

/** Rewrites each unsafe integer literal outside strings as `{"<marker>": "<digits>"}`. */
function markBigIntegers(text: string, marker: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      continue;
    }
    if (ch === 0x2d /* - */ || (ch >= 0x30 && ch <= 0x39)) {
      const m = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
      m.lastIndex = i;
      const token = m.exec(text)![0];
      if (!/^-?\d+$/.test(token)) throw new TypeError(`not an integer literal: ${token}`);
      if (!Number.isSafeInteger(Number(token))) {
        out += `${text.slice(last, i)}{${JSON.stringify(marker)}:"${token}"}`;
        last = i + token.length;
      }
      i += token.length - 1;
    }
  }
  return out + text.slice(last);
}

function unmark(v: JsonValue, marker: string): JsonValue {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => unmark(x, marker));
  const record = v as Record<string, JsonValue>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === marker) return json.rawJSON!(record[marker] as string);
  return Object.fromEntries(keys.map((k) => [k, unmark(record[k]!, marker)]));
}
