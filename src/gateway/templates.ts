/** What a template may name: `{method}` (lower case), `{path}` (the route's path template) and the route's path parameters. */
export interface TemplateVars {
  method: string;
  path: string;
  params: Record<string, string>;
}

export type Template = (vars: TemplateVars) => string;

const BUILT_IN = new Set(['method', 'path']);

/**
 * Compiles `text` once. Every `{name}` must be a built-in or one of `paramNames`, so a typo fails at
 * start rather than authorizing against a literal `{nmae}` at run time.
 */
export function compileTemplate(text: string, paramNames: readonly string[], field: string): Template {
  const parts = text.split(/(\{[^{}]*\})/);
  const pieces = parts.map((part) => {
    const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(part);
    if (!m) {
      if (/[{}]/.test(part)) throw new Error(`${field} "${text}" has a malformed placeholder`);
      return () => part;
    }
    const name = m[1] as string;
    if (name === 'method') return (v: TemplateVars) => v.method;
    if (name === 'path') return (v: TemplateVars) => v.path;
    if (!paramNames.includes(name)) throw new Error(`${field} "${text}" names {${name}}, which is neither {method}, {path} nor a path parameter`);
    return (v: TemplateVars) => v.params[name] ?? '';
  });
  return (v) => pieces.map((p) => p(v)).join('');
}

/** A path parameter named like a built-in would make `{method}` or `{path}` ambiguous in templates. */
export function assertParamNamesUsable(paramNames: readonly string[]): void {
  const clash = paramNames.find((n) => BUILT_IN.has(n));
  if (clash) throw new Error(`a path parameter may not be called {${clash}}`);
}
