import { type CelEnv, type CelInput, type CelResult, CelScalar, celEnv, isCelError, parse, plan, run } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { Expr } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import { celGoCompatibility, cerbosFunctions } from './functions.ts';

/** The names a Cerbos condition can see. `P`, `R`, `V`, `C` and `G` are aliases. */
export const CEL_VARIABLES = ['request', 'P', 'R', 'V', 'variables', 'C', 'constants', 'G', 'globals', 'runtime'] as const;
export type CelBindings = Record<(typeof CEL_VARIABLES)[number], CelInput>;

/** Type names CEL resolves as identifiers (`type(x) == string`). */
const TYPE_NAMES = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn', 'google.protobuf.Timestamp', 'google.protobuf.Duration']);
/** Functions that read the clock: a constant expression calling them is not constant. */
const CLOCK_FUNCTIONS = new Set(['now', 'timeSince']);

/**
 * The clock of the evaluation in progress. Evaluation is synchronous, so one holder serves every
 * request; the engine sets it once per request so that all of a request's `now()` agree, as in Cerbos.
 */
export const evaluationClock = { nowMs: 0 };

let sharedEnv: CelEnv | undefined;
export function cerbosCelEnv(): CelEnv {
  sharedEnv ??= celEnv({
    variables: Object.fromEntries(CEL_VARIABLES.map((v) => [v, CelScalar.DYN])),
    // cel-go's strings extension, which Cerbos enables, then Cerbos' own functions.
    funcs: [...strings, ...celGoCompatibility(), ...cerbosFunctions(() => evaluationClock.nowMs)],
  });
  return sharedEnv;
}

export class CelCompileError extends Error {}

export interface CompiledExpression {
  source: string;
  expr: Expr;
  /** `V.x`/`variables.x` and `C.x`/`constants.x` names the expression reads. */
  variables: Set<string>;
  constants: Set<string>;
  /** Whether it reads `runtime` (effective derived roles). */
  readsRuntime: boolean;
  evaluate(bindings: CelBindings): CelResult;
}

/**
 * Parses and plans a condition once. Beyond syntax, it refuses what Cerbos' type checker would:
 * unknown identifiers and functions, and constant sub-expressions that cannot evaluate (`1 + "a"`,
 * `timestamp("yesterday")`, a bad regex literal). `@bufbuild/cel` has no complete checker yet.
 */
export function compileExpression(source: string): CompiledExpression {
  const env = cerbosCelEnv();
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (e) {
    throw new CelCompileError(`invalid expression \`${source}\`: ${(e as Error).message}`);
  }
  const out: CompiledExpression = { source, expr: parsed.expr, variables: new Set(), constants: new Set(), readsRuntime: false, evaluate: plan(env, parsed) as never };
  const problems: string[] = [];
  inspect(parsed.expr, new Set(), out, problems, env);
  if (problems.length) throw new CelCompileError(`invalid expression \`${source}\`: ${problems.join('; ')}`);
  return out;
}

interface Facts {
  free: boolean;
  clock: boolean;
}

/** Walks the tree; returns whether the sub-expression reads a variable or the clock. */
function inspect(e: Expr, bound: Set<string>, out: CompiledExpression, problems: string[], env: CelEnv): Facts {
  const k = e.exprKind;
  const merge = (parts: Facts[], self: Partial<Facts> = {}): Facts => ({ free: parts.some((p) => p.free) || !!self.free, clock: parts.some((p) => p.clock) || !!self.clock });
  let facts: Facts;
  switch (k.case) {
    case 'constExpr':
      return { free: false, clock: false };
    case 'identExpr': {
      const name = k.value.name;
      if (!bound.has(name) && !(CEL_VARIABLES as readonly string[]).includes(name) && !TYPE_NAMES.has(name)) problems.push(`undeclared reference to '${name}'`);
      if (name === 'runtime') out.readsRuntime = true;
      return { free: !TYPE_NAMES.has(name), clock: false };
    }
    case 'selectExpr': {
      const operand = k.value.operand;
      if (operand?.exprKind.case === 'identExpr' && !bound.has(operand.exprKind.value.name)) {
        const root = operand.exprKind.value.name;
        if (root === 'V' || root === 'variables') out.variables.add(k.value.field);
        if (root === 'C' || root === 'constants') out.constants.add(k.value.field);
      }
      facts = merge(operand ? [inspect(operand, bound, out, problems, env)] : []);
      break;
    }
    case 'callExpr': {
      const { target, args } = k.value;
      const fn = k.value.function;
      // `sets.contains(a, b)` parses as a call on the identifier `sets`; it names a function.
      const qualified = target?.exprKind.case === 'identExpr' && !bound.has(target.exprKind.value.name) && env.funcs.find(`${target.exprKind.value.name}.${fn}`) !== undefined;
      const known = fn.startsWith('_') || fn.startsWith('@') || qualified || env.funcs.find(fn) !== undefined;
      if (!known) problems.push(`undeclared reference to '${fn}'`);
      const parts = [...(target && !qualified ? [target] : []), ...args].map((a) => inspect(a, bound, out, problems, env));
      // A regex given as a literal is checked now, even when the text it matches is not known yet.
      const pattern = args.at(-1)?.exprKind;
      if (fn === 'matches' && pattern?.case === 'constExpr' && pattern.value.constantKind.case === 'stringValue') {
        const checked = run('"".matches(p)', { p: pattern.value.constantKind.value }, { funcs: [] });
        if (isCelError(checked)) problems.push(`invalid regular expression: ${checked.message}`);
      }
      facts = merge(parts, { clock: CLOCK_FUNCTIONS.has(fn) });
      break;
    }
    case 'listExpr':
      facts = merge(k.value.elements.map((a) => inspect(a, bound, out, problems, env)));
      break;
    case 'structExpr':
      facts = merge(k.value.entries.flatMap((en) => [...(en.keyKind.case === 'mapKey' ? [inspect(en.keyKind.value, bound, out, problems, env)] : []), ...(en.value ? [inspect(en.value, bound, out, problems, env)] : [])]));
      break;
    case 'comprehensionExpr': {
      const c = k.value;
      const inner = new Set([...bound, c.iterVar, c.iterVar2, c.accuVar].filter(Boolean));
      const parts = [c.iterRange && inspect(c.iterRange, bound, out, problems, env), c.accuInit && inspect(c.accuInit, inner, out, problems, env)].filter((p): p is Facts => !!p);
      // The loop body reads the iteration variables, so only the range decides whether the whole is constant.
      for (const body of [c.loopCondition, c.loopStep, c.result]) if (body) inspect(body, inner, out, problems, env);
      facts = merge(parts);
      break;
    }
    default:
      return { free: true, clock: false };
  }
  // A constant sub-expression is evaluated now. Like Cerbos' checker, refuse a type error and a
  // malformed timestamp or duration literal; an error that only happens at run time (`1/0`) loads.
  if (!facts.free && !facts.clock && problems.length === 0 && k.case !== 'selectExpr') {
    const value = (plan(env, e) as (ctx?: never) => CelResult)();
    const literal = k.case === 'callExpr' && (k.value.function === 'timestamp' || k.value.function === 'duration');
    if (isCelError(value) && (literal || /overload/.test(value.message))) problems.push(value.message);
  }
  return facts;
}
