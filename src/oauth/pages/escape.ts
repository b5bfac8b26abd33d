/**
 * Output encoding for the hosted pages. Every page is written with the `html` template tag, which escapes
 * each interpolated value unless it is already `SafeHtml`, so forgetting to escape is not possible by accident.
 * Templates must always double-quote attribute values; the escaping below is then correct for both
 * element text and attribute values.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Markup that is already safe to emit as is. Only this module and the page templates create it. */
export class SafeHtml {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  toString(): string {
    return this.#value;
  }
}

export type HtmlValue = string | number | SafeHtml | false | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === false || value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'number') return String(value);
  return escapeHtml(value as string);
}

/** Template tag: literal parts are trusted markup, interpolated values are escaped (arrays are joined, `false`/`null`/`undefined` render nothing). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/**
 * Marks a string as trusted markup. Use only for text built entirely by this module's own code
 * (the generated stylesheet), never for anything derived from a request or from configuration text.
 */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

// Characters that may stand unencoded in a URL query (RFC 3986 pchar plus `/` and `?`), and `%` that starts a valid escape.
const UNSAFE_IN_QUERY = /%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/gu;

function percentEncode(char: string): string {
  try {
    return encodeURIComponent(char);
  } catch {
    return '%EF%BF%BD'; // a lone surrogate: U+FFFD, as a browser would send it
  }
}

/**
 * A relative URL `path?carry` for a form action or link. `carry` is meant to be an already-encoded query string;
 * any character that could not appear in one (quotes, `<`, spaces, `#`, a stray `%`…) is percent-encoded here,
 * so the carried parameters always arrive intact and nothing can end the query early or leave the URL.
 * The result still needs HTML escaping (the `html` tag does it) because `&` and `'` stay as they are.
 */
export function withCarry(path: string, carry: string): string {
  const query = carry.replace(/^\?/, '').replace(UNSAFE_IN_QUERY, percentEncode);
  return query === '' ? path : `${path}?${query}`;
}

const DATA_IMAGE = /^data:image\/(?:png|gif|jpeg|webp|avif|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/;

/**
 * A logo URL that is safe for `<img src>`: an absolute http(s) URL without credentials (returned normalised),
 * or a base64 `data:image/…` URL. Anything else (`javascript:`, relative paths, malformed text) gives `undefined`.
 */
export function safeImageUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const candidate = value.trim();
  if (DATA_IMAGE.test(candidate)) return candidate;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return url.href;
}
