/**
 * Just enough HTML inspection for the page tests. The pages are our own output, with every attribute value
 * double-quoted and every `<` in text escaped, so a tokenizer over start and end tags is exact for them.
 */

export interface Tag {
  name: string;
  attrs: Record<string, string>;
  raw: string;
  index: number;
}

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>\/=]+(?:="[^"]*")?)*)\s*>/g;
const ATTR = /([^\s"'>\/=]+)(?:="([^"]*)")?/g;

export function decodeEntities(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? '');
}

function parseAttrs(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of text.matchAll(ATTR)) {
    const name = m[1]!.toLowerCase();
    if (name in attrs) throw new Error(`duplicate attribute ${name}`);
    attrs[name] = decodeEntities(m[2] ?? '');
  }
  return attrs;
}

/** Every start tag in the document, outside the `<style>` element's CSS. */
export function startTags(html: string, name?: string): Tag[] {
  const out: Tag[] = [];
  for (const m of stripStyle(html).matchAll(TAG)) {
    if (m[1] === '/') continue;
    const tag = { name: m[2]!.toLowerCase(), attrs: parseAttrs(m[3] ?? ''), raw: m[0], index: m.index };
    if (name === undefined || tag.name === name) out.push(tag);
  }
  return out;
}

/** The document with the CSS inside `<style>` blanked out (the tags themselves are kept). */
export function stripStyle(html: string): string {
  return html.replace(/(<style\b[^>]*>)([\s\S]*?)(<\/style>)/g, (_, open: string, css: string, close: string) => open + ' '.repeat(css.length) + close);
}

/** The CSS of the (single) style element. */
export function css(html: string): string {
  return /<style\b[^>]*>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
}

/** Problems with tag nesting: unclosed, stray or mismatched end tags, and any text `<` that is not a tag. */
export function nestingProblems(html: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const doc = stripStyle(html).replace(/^<!doctype html>/i, '');
  let last = 0;
  for (const m of doc.matchAll(TAG)) {
    if (doc.slice(last, m.index).includes('<')) problems.push(`stray < before ${m[0]}`);
    last = m.index + m[0].length;
    const name = m[2]!.toLowerCase();
    if (VOID.has(name)) {
      if (m[1] === '/') problems.push(`end tag for void ${name}`);
      continue;
    }
    if (m[1] !== '/') stack.push(name);
    else if (stack.pop() !== name) problems.push(`mismatched </${name}>`);
  }
  if (doc.slice(last).includes('<')) problems.push('stray < at end');
  if (stack.length > 0) problems.push(`unclosed ${stack.join(', ')}`);
  return problems;
}

export interface Form {
  action: string;
  method: string;
  inputs: Tag[];
  buttons: Tag[];
  inner: string;
}

/** The forms, with their inputs and buttons (forms are never nested). */
export function forms(html: string): Form[] {
  const doc = stripStyle(html);
  return [...doc.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].map((m) => {
    const attrs = parseAttrs(m[1] ?? '');
    const inner = m[2] ?? '';
    return { action: attrs.action ?? '', method: attrs.method ?? '', inputs: startTags(inner, 'input'), buttons: startTags(inner, 'button'), inner };
  });
}

/** The text of the first element with this start tag (tags inside stripped, entities decoded). */
export function textOf(html: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}>`).exec(stripStyle(html));
  return m === null ? undefined : decodeEntities(m[1]!.replace(/<[^>]*>/g, '')).trim();
}
