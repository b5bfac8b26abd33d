import { BadRequestError } from './errors.ts';

/** A request target split and checked: the raw path and query go upstream untouched, the segments are what routing sees. */
export interface RequestTarget {
  rawPath: string;
  /** Without the `?`; empty when there is none. */
  rawQuery: string;
  /** Percent-decoded path segments; `/` is none, `//a` is `['', 'a']`. */
  segments: string[];
}

/**
 * Encoded separators and NULs mean a different path to different parsers (ours, the upstream's, a
 * filesystem's): whatever one of them makes of it, routing would have authorized something else.
 */
const AMBIGUOUS = /%(2f|5c|00)/i;
/**
 * `#` would become a fragment upstream; a backslash is a separator to some; controls and spaces
 * never belong. A raw `;` starts path parameters that servlet containers and Spring cut off before
 * routing: `/movies/secret;x` would be authorized as `secret;x` and served as `secret`. (`%3B` is
 * data to them, and still accepted.)
 */
const FORBIDDEN_RAW = /[\\#;\x00-\x20\x7f]/;

/**
 * Parses a raw request target (`req.url`) for routing. Refuses what cannot be routed without
 * guessing: absolute or asterisk forms, encoded `/` or `\`, NULs, raw `;`, invalid percent-encoding,
 * and `.` or `..` segments whether written plainly or encoded.
 */
export function parseRequestTarget(url: string): RequestTarget {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  if (!rawPath.startsWith('/')) throw new BadRequestError('the request target is not an origin-form path');
  if (AMBIGUOUS.test(rawPath) || FORBIDDEN_RAW.test(rawPath)) throw new BadRequestError('the path holds an encoded separator, a NUL or a forbidden character');
  const segments = rawPath === '/' ? [] : rawPath.slice(1).split('/').map(decodeSegment);
  if (segments.some((s) => s === '.' || s === '..')) throw new BadRequestError('the path holds a dot segment');
  return { rawPath, rawQuery, segments };
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRequestError('the path holds invalid percent-encoding');
  }
}
