/**
 * Normalising and diffing Cerbos API responses for the differential test.
 *
 * What is dropped or reordered, and why (everything else is compared as is):
 * - `cerbosCallId`: a fresh ULID per call.
 * - CheckResources `results[].meta.effectiveDerivedRoles`: Cerbos builds it from a Go map, so its order
 *   changes from call to call on the same PDP (seen by sending one request repeatedly); compared sorted.
 * - PlanResources `struct` nodes in `filter.condition`: when a residual expression embeds a whole
 *   attribute map (e.g. `P.attr` partially evaluated), Cerbos emits its `set-field` entries in Go map
 *   order; compared sorted by field name. `meta.filterDebug` prints the same nodes in the same random
 *   order, so it is only compared when the condition holds no `struct`.
 * - PlanResources: `now()` is folded into the residual filter as the PDP's current time (RFC 3339, in
 *   nanoseconds); any timestamp string within ten minutes of the test's clock, in the condition or in
 *   `meta.filterDebug`, is replaced by `<now>`. No generated attribute is anywhere near today's date.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface HttpAnswer {
  status: number;
  body: JsonValue;
}

function isObject(v: JsonValue | undefined): v is { [k: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function normaliseCheck(answer: HttpAnswer): HttpAnswer {
  const body = structuredClone(answer.body);
  if (isObject(body)) {
    delete body.cerbosCallId;
    const results = body.results;
    if (Array.isArray(results)) {
      for (const result of results) {
        if (!isObject(result) || !isObject(result.meta)) continue;
        const roles = result.meta.effectiveDerivedRoles;
        if (Array.isArray(roles)) roles.sort((a, b) => String(a).localeCompare(String(b)));
      }
    }
  }
  return { status: answer.status, body };
}

function sortStructs(node: JsonValue): { node: JsonValue; hadStruct: boolean } {
  let hadStruct = false;
  const walk = (v: JsonValue): JsonValue => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isObject(v)) return v;
    const out: { [k: string]: JsonValue } = {};
    for (const [k, child] of Object.entries(v)) out[k] = walk(child);
    if (out.operator === 'struct' && Array.isArray(out.operands)) {
      hadStruct = true;
      const key = (operand: JsonValue): string => {
        if (isObject(operand) && isObject(operand.expression) && Array.isArray(operand.expression.operands)) {
          return JSON.stringify(operand.expression.operands[0] ?? null);
        }
        return JSON.stringify(operand);
      };
      out.operands = [...out.operands].sort((a, b) => key(a).localeCompare(key(b)));
    }
    return out;
  };
  return { node: walk(node), hadStruct };
}

const RFC3339 = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g;
const NOW_WINDOW_MS = 10 * 60_000;

function maskNow(text: string): string {
  return text.replace(RFC3339, (ts) => (Math.abs(Date.parse(ts) - Date.now()) < NOW_WINDOW_MS ? '<now>' : ts));
}

function maskNowDeep(v: JsonValue): JsonValue {
  if (typeof v === 'string') return maskNow(v);
  if (Array.isArray(v)) return v.map(maskNowDeep);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, maskNowDeep(c)]));
  return v;
}

/**
 * The part of a PlanResources answer the differential compares: the filter's kind. Condition trees
 * are not compared node for node: Cerbos keeps duplicate and nested `and`/`or` nodes and
 * unsimplified `not(not …)` that Tessera folds, and in a few places Cerbos' plan contradicts its own
 * CheckResources answer (an unconditional principal-policy DENY is ignored); Tessera's plans are
 * checked against its own checks in planner.test.ts instead.
 */
export function normalisePlanKind(answer: HttpAnswer): HttpAnswer {
  const body = answer.body;
  if (answer.status !== 200 || !isObject(body)) return answer;
  return { status: answer.status, body: { filterKind: isObject(body.filter) ? (body.filter.kind ?? null) : null } };
}

/**
 * Probe answers compared for what a policy author sees: decisions, and each output's value, or that
 * it failed. Not compared: the wording of CEL errors (cel-go's and `@bufbuild/cel`'s differ), the
 * offset a timestamp literal was written with (cel-go keeps it in outputs; Tessera writes UTC), and
 * outputs that are ±Inf or NaN, which make Cerbos fail the whole request with a 500, and the sign of
 * a zero (`JSON.stringify` writes -0 as 0).
 */
export function normaliseProbe(answer: HttpAnswer): HttpAnswer {
  const { status, body } = normaliseCheck({ status: answer.status, body: unsignZero(answer.body) });
  if (status === 500) return { status: 0, body: 'cerbos cannot render a non-finite output' };
  if (isObject(body) && Array.isArray(body.results)) {
    for (const result of body.results) {
      if (!isObject(result) || !Array.isArray(result.outputs)) continue;
      result.outputs = result.outputs.map((o): JsonValue => {
        if (!isObject(o)) return o;
        if (o.error !== undefined) return { ...o, error: '<error>' };
        if (o.val === null && !isFiniteOutputSource(o.src)) return { status: 0, body: 'non-finite' };
        if (typeof o.src === 'string' && /#(ts|ts_add)$/.test(o.src)) return { ...o, val: typeof o.val === 'string' ? new Date(o.val).toISOString() : (o.val ?? null) };
        return o;
      });
      if (result.outputs.some((o) => isObject(o) && o.body === 'non-finite')) return { status: 0, body: 'cerbos cannot render a non-finite output' };
    }
  }
  return { status, body };
}

function unsignZero(v: JsonValue): JsonValue {
  if (typeof v === 'number') return v === 0 ? 0 : v;
  if (Array.isArray(v)) return v.map(unsignZero);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, unsignZero(c)]));
  return v;
}

/** Outputs whose value may legitimately be null; a null elsewhere is Tessera's rendering of ±Inf/NaN. */
function isFiniteOutputSource(src: JsonValue | undefined): boolean {
  return typeof src === 'string' && !/#(inf|arith)$/.test(src);
}

export function normalisePlan(answer: HttpAnswer): HttpAnswer {
  const body = maskNowDeep(structuredClone(answer.body));
  if (isObject(body)) {
    delete body.cerbosCallId;
    if (isObject(body.filter) && body.filter.condition !== undefined) {
      const { node, hadStruct } = sortStructs(body.filter.condition);
      body.filter.condition = node;
      if (hadStruct && isObject(body.meta)) delete body.meta.filterDebug;
    }
  }
  return { status: answer.status, body };
}

/** JSON paths where `a` and `b` differ (at most `limit`), e.g. `body.results[0].actions.view`. */
export function diffPaths(a: JsonValue | undefined, b: JsonValue | undefined, path = '', out: string[] = [], limit = 20): string[] {
  if (out.length >= limit) return out;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path} (length ${a.length} vs ${b.length})`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) diffPaths(a[i], b[i], `${path}[${i}]`, out, limit);
    return out;
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      if (!(k in a)) out.push(`${path}.${k} (only in second)`);
      else if (!(k in b)) out.push(`${path}.${k} (only in first)`);
      else diffPaths(a[k], b[k], `${path}.${k}`, out, limit);
    }
    return out;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
  return out;
}

/** A path with indices and per-action keys blanked, to count mismatches by category. */
export function pathCategory(path: string): string {
  return path
    .replace(/\[\d+\]/g, '[]')
    .replace(/\.(actions|matchedScopes)\.[^.\s]+/g, '.$1.<action>')
    .replace(/\.meta\.actions\.<action>/g, '.meta.actions.<action>');
}
