import { type CelResult, type CelValue, isCelError, isCelMap, plan } from '@bufbuild/cel';
import type { Expr } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import { type CelBindings, cerbosCelEnv } from './expressions.ts';
import { fromCel } from './values.ts';

/** A query-plan operand, as Cerbos writes them: an expression, a variable or a value. */
export type PlanOperand = { expression: { operator: string; operands: PlanOperand[] } } | { variable: string } | { value: unknown };

/** What partial evaluation leaves: a known value, or a residual that reads the unknown resource. */
export type Residual = { known: CelResult } | { unknown: PlanOperand };

/** What the planner knows of a request: everything but the resource's id and unlisted attributes. */
export interface PlanKnowledge {
  bindings: CelBindings;
  knownResourceAttrs: ReadonlySet<string>;
  /** Variable definitions, inlined where they read the resource. */
  variableExprs: ReadonlyMap<string, Expr>;
  /** `runtime.effectiveDerivedRoles` when it depends on the resource (else it is in the bindings). */
  runtimeRoles?: PlanOperand;
}

const OPERATORS: Record<string, string> = {
  '_==_': 'eq',
  '_!=_': 'ne',
  '_>_': 'gt',
  '_>=_': 'ge',
  '_<_': 'lt',
  '_<=_': 'le',
  '@in': 'in',
  '_+_': 'add',
  '_-_': 'sub',
  '_*_': 'mult',
  '_/_': 'div',
  '_%_': 'mod',
  '_[_]': 'index',
  '_&&_': 'and',
  '_||_': 'or',
  '!_': 'not',
  '_?_:_': 'if',
};

/**
 * Partially evaluates a condition for PlanResources: everything that does not read the resource is
 * computed (by the CEL library), what does stays as an operator tree in Cerbos' plan format.
 * `&&`, `||`, `!` and `?:` fold around known operands. Written here because no CEL library for
 * JavaScript does residual evaluation.
 */
export function residual(e: Expr, k: PlanKnowledge, bound: ReadonlySet<string> = new Set()): Residual {
  if (!readsUnknown(e, k, bound)) return { known: (plan(cerbosCelEnv(), e) as (ctx: CelBindings) => CelResult)(k.bindings) };
  const kind = e.exprKind;
  switch (kind.case) {
    case 'identExpr':
      return { unknown: { variable: kind.value.name } };
    case 'selectExpr': {
      const path = pathOf(e);
      if (path && path[0] === 'runtime' && path[1] === 'effectiveDerivedRoles' && path.length === 2 && k.runtimeRoles) return { unknown: k.runtimeRoles };
      if (path) {
        const variable = expandVariable(path, k);
        if (variable) return variable;
        // Cerbos' planner takes `has()` of an attribute it does not know to hold.
        if (kind.value.testOnly) return { known: true };
        return { unknown: { variable: expand(path) } };
      }
      const operand = residual(kind.value.operand!, k, bound);
      return { unknown: op(kind.value.testOnly ? 'has' : 'get-field', [operandOf(operand), { value: kind.value.field }]) };
    }
    case 'callExpr': {
      const fn = kind.value.function;
      const args = [...(kind.value.target ? [kind.value.target] : []), ...kind.value.args];
      if (fn === '_&&_' || fn === '_||_') {
        // As in checks, an operand that fails counts as false.
        const parts = args.map((a) => residual(a, k, bound)).map((p) => ('known' in p && isCelError(p.known) ? { known: false } : p));
        const stop = fn === '_&&_' ? false : true;
        if (parts.some((p) => 'known' in p && p.known === stop)) return { known: stop };
        const rest = parts.filter((p) => !('known' in p && p.known === !stop));
        if (rest.length === 1) return rest[0]!;
        return { unknown: op(OPERATORS[fn]!, rest.map(operandOf)) };
      }
      if (fn === '!_') {
        const inner = residual(args[0]!, k, bound);
        return 'known' in inner && typeof inner.known === 'boolean' ? { known: !inner.known } : { unknown: op('not', [operandOf(inner)]) };
      }
      if (fn === '_?_:_') {
        const cond = residual(args[0]!, k, bound);
        if ('known' in cond && typeof cond.known === 'boolean') return residual(args[cond.known ? 1 : 2]!, k, bound);
      }
      const operands = args.map((a) => residual(a, k, bound));
      // A call on a value that failed fails, whatever the resource holds.
      const failed = operands.find((o) => 'known' in o && isCelError(o.known));
      if (failed) return failed;
      return { unknown: op(OPERATORS[fn] ?? fn, operands.map(operandOf)) };
    }
    case 'listExpr':
      return { unknown: op('list', kind.value.elements.map((x) => operandOf(residual(x, k, bound)))) };
    case 'structExpr':
      return {
        unknown: op(
          'struct',
          kind.value.entries.map((en) => op('set-field', [en.keyKind.case === 'mapKey' ? operandOf(residual(en.keyKind.value, k, bound)) : { value: en.keyKind.value }, operandOf(residual(en.value!, k, bound))])),
        ),
      };
    case 'comprehensionExpr': {
      const c = kind.value;
      const macro = macroOf(c);
      const inner = new Set([...bound, c.iterVar, c.accuVar]);
      const range = operandOf(residual(c.iterRange!, k, bound));
      const body = operandOf(residual(macro.body, k, inner));
      return { unknown: op(macro.name, [range, op('lambda', [body, { variable: c.iterVar }])]) };
    }
    default:
      return { unknown: { value: null } };
  }
}

function op(operator: string, operands: PlanOperand[]): PlanOperand {
  return { expression: { operator, operands } };
}

/**
 * A known operand as Cerbos writes it: a value, except that timestamps and durations stay calls on
 * their text and maps become `struct` expressions, which a plan's consumer can translate.
 */
function operandOf(r: Residual): PlanOperand {
  if ('unknown' in r) return r.unknown;
  if (isCelError(r.known)) return { value: null };
  const v = r.known as CelValue;
  const message = (v as { message?: { $typeName?: string } } | null)?.message?.$typeName;
  if (message === 'google.protobuf.Timestamp') return op('timestamp', [{ value: fromCel(v) }]);
  if (message === 'google.protobuf.Duration') return op('duration', [{ value: fromCel(v) }]);
  if (isCelMap(v)) return op('struct', [...v].map(([k, x]) => op('set-field', [{ value: fromCel(k as CelValue) }, operandOf({ known: x })])));
  return { value: fromCel(v) };
}

/** `R.attr.x` → ["R","attr","x"]; undefined when the chain does not start at an identifier. */
function pathOf(e: Expr): string[] | undefined {
  const kind = e.exprKind;
  if (kind.case === 'identExpr') return [kind.value.name];
  if (kind.case === 'selectExpr' && kind.value.operand) {
    const base = pathOf(kind.value.operand);
    return base && [...base, kind.value.field];
  }
  return undefined;
}

function expand(path: string[]): string {
  const [root, ...rest] = path;
  const full = root === 'R' ? ['request', 'resource'] : root === 'P' ? ['request', 'principal'] : root === 'V' ? ['variables'] : root === 'C' ? ['constants'] : root === 'G' ? ['globals'] : [root!];
  return [...full, ...rest].join('.');
}

function expandVariable(path: string[], k: PlanKnowledge): Residual | undefined {
  if ((path[0] === 'V' || path[0] === 'variables') && path.length >= 2) {
    const expr = k.variableExprs.get(path[1]!);
    if (expr && path.length === 2) return residual(expr, k);
  }
  return undefined;
}

/** Whether a sub-expression reads the resource's unknown parts (or a lambda's variable). */
function readsUnknown(e: Expr, k: PlanKnowledge, bound: ReadonlySet<string>): boolean {
  const kind = e.exprKind;
  switch (kind.case) {
    case 'constExpr':
      return false;
    case 'identExpr':
      return bound.has(kind.value.name) || kind.value.name === 'R' || kind.value.name === 'request' || (kind.value.name === 'runtime' && k.runtimeRoles !== undefined);
    case 'selectExpr': {
      const path = pathOf(e);
      if (path) {
        const full = expand(path).split('.');
        if (bound.has(path[0]!)) return true;
        if (path[0] === 'runtime') return k.runtimeRoles !== undefined;
        if (full[0] === 'variables' && full.length >= 2) {
          const v = k.variableExprs.get(full[1]!);
          return v ? readsUnknown(v, k, new Set()) : false;
        }
        if (full[0] !== 'request' || full[1] !== 'resource') return false;
        if (full[2] === 'kind' || full[2] === 'policyVersion' || full[2] === 'scope') return false;
        if (full[2] === 'attr' && full.length >= 4) return !k.knownResourceAttrs.has(full[3]!);
        return true;
      }
      return readsUnknown(kind.value.operand!, k, bound);
    }
    case 'callExpr':
      return [...(kind.value.target ? [kind.value.target] : []), ...kind.value.args].some((a) => readsUnknown(a, k, bound));
    case 'listExpr':
      return kind.value.elements.some((a) => readsUnknown(a, k, bound));
    case 'structExpr':
      return kind.value.entries.some((en) => (en.keyKind.case === 'mapKey' && readsUnknown(en.keyKind.value, k, bound)) || (en.value !== undefined && readsUnknown(en.value, k, bound)));
    case 'comprehensionExpr': {
      const c = kind.value;
      // Inside the loop its own variables are known values, unless the range itself is unknown.
      const local = new Set([c.iterVar, c.iterVar2, c.accuVar].filter(Boolean));
      const outer = new Set([...bound].filter((b) => !local.has(b)));
      return readsUnknown(c.iterRange!, k, bound) || [c.accuInit, c.loopCondition, c.loopStep, c.result].some((x) => x !== undefined && readsUnknown(x, k, outer));
    }
    default:
      return true;
  }
}

/** Which macro built a comprehension, and its body, from the shapes the CEL parser gives each. */
function macroOf(c: { accuInit?: Expr; loopStep?: Expr; accuVar: string }): { name: string; body: Expr } {
  const step = c.loopStep!;
  const init = c.accuInit?.exprKind;
  const call = step.exprKind.case === 'callExpr' ? step.exprKind.value : undefined;
  if (call?.function === '_||_') return { name: 'exists', body: call.args[1]! };
  if (call?.function === '_&&_') return { name: 'all', body: call.args[1]! };
  if (call?.function === '_?_:_') {
    const [cond] = call.args;
    const isCount = init?.case === 'constExpr' && init.value.constantKind.case === 'int64Value';
    if (isCount) return { name: 'exists_one', body: cond! };
    return { name: 'filter', body: cond! };
  }
  if (call?.function === '_+_') {
    const appended = call.args[1]!.exprKind;
    if (appended.case === 'listExpr' && appended.value.elements[0]) return { name: 'map', body: appended.value.elements[0] };
  }
  return { name: 'exists', body: step };
}

/** Cerbos' debug rendering of a plan: an s-expression. */
export function planDebug(o: PlanOperand): string {
  if ('variable' in o) return o.variable;
  if ('value' in o) return JSON.stringify(o.value);
  return `(${[o.expression.operator, ...o.expression.operands.map(planDebug)].join(' ')})`;
}

