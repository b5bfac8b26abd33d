/**
 * Cerbos matches actions, roles and resource kinds with `gobwas/glob` globs whose separator is `:`:
 * `*` stops at a `:`, `**` does not, `?` is one non-separator character, `[…]`/`[!…]` a class and
 * `{a,b}` alternatives. A lone `*` means everything, and only a pattern with a `*` is a glob at all
 * (`q?` is the action named `q?`). No npm glob library has that separator rule, so the translation
 * to a RegExp is written here.
 */
export type Matcher = (value: string) => boolean;

const cache = new Map<string, Matcher>();

export function isGlob(pattern: string): boolean {
  return pattern.includes('*');
}

export function globMatcher(pattern: string): Matcher {
  let m = cache.get(pattern);
  if (!m) {
    if (!isGlob(pattern)) {
      m = (v) => v === pattern;
    } else {
      const re = new RegExp(`^${translate(pattern === '*' ? '**' : pattern)}$`, 's');
      m = (v) => re.test(v);
    }
    cache.set(pattern, m);
  }
  return m;
}

function translate(glob: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) {
      out += escape(glob[++i]!);
    } else if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^:]*';
    } else if (c === '?') {
      out += '[^:]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^:' : ''}${body.replace(/[\\\]^]/g, (x) => `\\${x}`)}]`;
      i = end;
    } else if (c === '{') {
      out += '(?:';
      depth++;
    } else if (c === '}' && depth > 0) {
      out += ')';
      depth--;
    } else if (c === ',' && depth > 0) {
      out += '|';
    } else out += escape(c);
  }
  return out + ')'.repeat(depth);
}

function escape(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
