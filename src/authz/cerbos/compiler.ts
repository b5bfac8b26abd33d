import { CelCompileError, type CompiledExpression, compileExpression } from './cel/expressions.ts';
import { toCel } from './cel/values.ts';
import { globMatcher } from './glob.ts';
import type { Condition, DerivedRolesPolicy, Match, ParsedPolicy, PolicyDocument, PolicyProblem, PrincipalPolicy, ResourcePolicy, RuleOutput } from './policy-documents.ts';
import { PolicyLoadError } from './policy-documents.ts';
import { type CompiledCondition, type DerivedRole, type Params, type PolicyKind, PolicyTable, type RuleRow, type ScopePermissions, policyKeyOf, sanitize } from './policy-table.ts';

/** Identity of a stored policy, as the Admin API and `cerbos compile` name it. */
export function policyIdOf(doc: PolicyDocument): string {
  if ('resourcePolicy' in doc) return policyKeyOf('resource', doc.resourcePolicy.resource, doc.resourcePolicy.version, doc.resourcePolicy.scope ?? '');
  if ('principalPolicy' in doc) return policyKeyOf('principal', doc.principalPolicy.principal, doc.principalPolicy.version, doc.principalPolicy.scope ?? '');
  if ('derivedRoles' in doc) return `derived_roles.${doc.derivedRoles.name}`;
  if ('exportVariables' in doc) return `export_variables.${doc.exportVariables.name}`;
  return `export_constants.${doc.exportConstants.name}`;
}

interface Context {
  policy: ParsedPolicy;
  problems: PolicyProblem[];
}

/**
 * Compiles a whole policy set at once, as Cerbos does on load: every reference resolved, every
 * expression parsed and checked, and every problem reported with its file and position, not only
 * the first.
 */
export function compilePolicies(policies: ParsedPolicy[]): PolicyTable {
  const problems: PolicyProblem[] = [];
  const byId = new Map<string, ParsedPolicy>();
  for (const p of policies) {
    const id = policyIdOf(p.document);
    const prev = byId.get(id);
    if (prev) problems.push({ file: p.file, position: p.positionOf([]), message: `duplicate policy definitions: ${id} is also defined in ${prev.file}` });
    else byId.set(id, p);
  }
  const active = [...byId.values()].filter((p) => !p.document.disabled);
  const exports = { variables: new Map<string, ParsedPolicy>(), constants: new Map<string, ParsedPolicy>(), derivedRoles: new Map<string, ParsedPolicy>() };
  for (const p of active) {
    const d = p.document;
    if ('exportVariables' in d) exports.variables.set(d.exportVariables.name, p);
    if ('exportConstants' in d) exports.constants.set(d.exportConstants.name, p);
    if ('derivedRoles' in d) exports.derivedRoles.set(d.derivedRoles.name, p);
  }

  const table = new PolicyTable();
  const derivedRoleSets = new Map<string, Map<string, DerivedRole> | undefined>();
  const derivedRolesOf = (name: string) => {
    if (!derivedRoleSets.has(name)) {
      const p = exports.derivedRoles.get(name);
      derivedRoleSets.set(name, p && compileDerivedRoles({ policy: p, problems }, (p.document as { derivedRoles: DerivedRolesPolicy }).derivedRoles, exports));
    }
    return derivedRoleSets.get(name);
  };

  for (const p of active) {
    const d = p.document;
    const ctx = { policy: p, problems };
    if ('resourcePolicy' in d) {
      checkAncestors(ctx, 'resource', d.resourcePolicy.resource, d.resourcePolicy.version, d.resourcePolicy.scope ?? '', byId);
      compileResourcePolicy(ctx, d.resourcePolicy, d.variables, exports, derivedRolesOf, table);
    } else if ('principalPolicy' in d) {
      checkAncestors(ctx, 'principal', d.principalPolicy.principal, d.principalPolicy.version, d.principalPolicy.scope ?? '', byId);
      compilePrincipalPolicy(ctx, d.principalPolicy, d.variables, exports, table);
    } else if ('derivedRoles' in d) {
      derivedRolesOf(d.derivedRoles.name);
    }
  }
  if (problems.length) throw new PolicyLoadError(problems);
  return table;
}

function checkAncestors(ctx: Context, kind: PolicyKind, name: string, version: string, scope: string, byId: Map<string, ParsedPolicy>) {
  if (!scope) return;
  const parts = scope.split('.');
  for (let n = parts.length - 1; n >= 0; n--) {
    const key = policyKeyOf(kind, name, version, parts.slice(0, n).join('.'));
    const ancestor = byId.get(key);
    if (!ancestor || ancestor.document.disabled) {
      ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf([`${kind}Policy`, 'scope']), message: `missing ancestor policy ${key} of scope "${scope}"` });
    }
  }
}

type Exports = { variables: Map<string, ParsedPolicy>; constants: Map<string, ParsedPolicy>; derivedRoles: Map<string, ParsedPolicy> };
type Section = 'resourcePolicy' | 'principalPolicy' | 'derivedRoles';

let paramsCounter = 0;

/** Constants and variables of one policy: imports, local definitions and the deprecated top-level map. */
function compileParams(
  ctx: Context,
  section: Section,
  declared: { constants?: { import?: string[]; local?: Record<string, unknown> }; variables?: { import?: string[]; local?: Record<string, string> } },
  topLevelVariables: Record<string, string> | undefined,
  exports: Exports,
): Params {
  const constants = new Map<string, unknown>();
  const constantSource = new Map<string, string>();
  const defineConstant = (name: string, value: unknown, source: string, path: Array<string | number>) => {
    if (constantSource.has(name)) ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf(path), message: `constant '${name}' defined in ${source} is already defined in ${constantSource.get(name)}` });
    constants.set(name, toCel(value));
    constantSource.set(name, source);
  };
  (declared.constants?.import ?? []).forEach((name, i) => {
    const p = exports.constants.get(name);
    if (!p) return void ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf([section, 'constants', 'import', i]), message: `constants import "${name}" cannot be found` });
    const defs = (p.document as { exportConstants: { definitions?: Record<string, unknown> } }).exportConstants.definitions ?? {};
    for (const [k, v] of Object.entries(defs)) defineConstant(k, v, `export_constants.${name}`, [section, 'constants', 'import', i]);
  });
  for (const [k, v] of Object.entries(declared.constants?.local ?? {})) defineConstant(k, v, 'local constants', [section, 'constants', 'local', k]);

  const sources = new Map<string, { text: string; origin: string; path: Array<string | number>; file: ParsedPolicy }>();
  const defineVariable = (name: string, text: string, origin: string, path: Array<string | number>, file: ParsedPolicy) => {
    const prev = sources.get(name);
    if (prev) ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf(path), message: `variable '${name}' defined in ${origin} is already defined in ${prev.origin}` });
    sources.set(name, { text, origin, path, file });
  };
  for (const [k, v] of Object.entries(topLevelVariables ?? {})) defineVariable(k, v, 'top-level variables', ['variables', k], ctx.policy);
  (declared.variables?.import ?? []).forEach((name, i) => {
    const p = exports.variables.get(name);
    if (!p) return void ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf([section, 'variables', 'import', i]), message: `variables import "${name}" cannot be found` });
    const defs = (p.document as { exportVariables: { definitions?: Record<string, string> } }).exportVariables.definitions ?? {};
    for (const [k, v] of Object.entries(defs)) defineVariable(k, v, `export_variables.${name}`, ['exportVariables', 'definitions', k], p);
  });
  for (const [k, v] of Object.entries(declared.variables?.local ?? {})) defineVariable(k, v, 'local variables', [section, 'variables', 'local', k], ctx.policy);

  const compiled = new Map<string, CompiledExpression>();
  for (const [name, s] of sources) {
    const e = expression({ policy: s.file, problems: ctx.problems }, s.text, s.path);
    if (e) compiled.set(name, e);
  }
  // Variables may read one another; order them so that each sees the ones it reads, and refuse cycles.
  const ordered: Array<{ name: string; expr: CompiledExpression }> = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]) => {
    if (state.get(name) === 'done') return;
    const e = compiled.get(name);
    if (!e) return;
    if (state.get(name) === 'visiting') {
      ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf(sources.get(name)!.path), message: `cyclical variable definitions: ${[...trail, name].join(' -> ')}` });
      return;
    }
    state.set(name, 'visiting');
    for (const dep of e.variables) {
      if (!sources.has(dep)) ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf(sources.get(name)!.path), message: `undefined variable '${dep}' in variable '${name}'` });
      else visit(dep, [...trail, name]);
    }
    for (const c of e.constants) if (!constants.has(c)) ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf(sources.get(name)!.path), message: `undefined constant '${c}' in variable '${name}'` });
    state.set(name, 'done');
    ordered.push({ name, expr: e });
  };
  for (const name of compiled.keys()) visit(name, []);
  return { key: `p${++paramsCounter}`, constants, variables: ordered };
}

function expression(ctx: Context, text: string, path: Array<string | number>, params?: Params, declaredVariables?: Set<string>): CompiledExpression | undefined {
  try {
    const e = compileExpression(text);
    if (params) {
      for (const v of e.variables) if (!declaredVariables!.has(v)) ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf(path), message: `undefined variable '${v}'` });
      for (const c of e.constants) if (!params.constants.has(c)) ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf(path), message: `undefined constant '${c}'` });
    }
    return e;
  } catch (err) {
    if (!(err instanceof CelCompileError)) throw err;
    ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf(path), message: err.message });
    return undefined;
  }
}

function compileCondition(ctx: Context, condition: Condition | undefined, path: Array<string | number>, params: Params): CompiledCondition | undefined {
  if (!condition) return undefined;
  const declared = new Set(params.variables.map((v) => v.name));
  const walk = (m: Match, at: Array<string | number>): CompiledCondition => {
    if ('expr' in m) return { expr: expression(ctx, m.expr, [...at, 'expr'], params, declared) ?? FALSE };
    if ('all' in m) return { all: m.all.of.map((x, i) => walk(x, [...at, 'all', 'of', i])) };
    if ('any' in m) return { any: m.any.of.map((x, i) => walk(x, [...at, 'any', 'of', i])) };
    return { none: m.none.of.map((x, i) => walk(x, [...at, 'none', 'of', i])) };
  };
  return walk(condition.match, [...path, 'condition', 'match']);
}

const FALSE = compileExpression('false');

function compileOutput(ctx: Context, output: RuleOutput | undefined, path: Array<string | number>, params: Params): RuleRow['output'] {
  if (!output) return undefined;
  const declared = new Set(params.variables.map((v) => v.name));
  const activated = output.when?.ruleActivated ?? output.expr;
  const notMet = output.when?.conditionNotMet;
  return {
    ...(activated && { ruleActivated: expression(ctx, activated, [...path, 'output'], params, declared) }),
    ...(notMet && { conditionNotMet: expression(ctx, notMet, [...path, 'output', 'when', 'conditionNotMet'], params, declared) }),
  };
}

function compileDerivedRoles(ctx: Context, dr: DerivedRolesPolicy, exports: Exports): Map<string, DerivedRole> {
  const params = compileParams(ctx, 'derivedRoles', dr, undefined, exports);
  const out = new Map<string, DerivedRole>();
  dr.definitions.forEach((def, i) => {
    if (out.has(def.name)) ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf(['derivedRoles', 'definitions', i, 'name']), message: `duplicate derived role definition "${def.name}"` });
    const parentRoles = def.parentRoles.includes('*') ? new Set(['*']) : new Set(def.parentRoles);
    const condition = compileCondition(ctx, def.condition, ['derivedRoles', 'definitions', i], params);
    out.set(def.name, { name: def.name, parentRoles, ...(condition && { condition }), params });
  });
  return out;
}

function permissionsOf(p: { scopePermissions?: string | undefined }): { declared: ScopePermissions | undefined; effective: ScopePermissions } {
  const declared = p.scopePermissions === 'SCOPE_PERMISSIONS_UNSPECIFIED' ? undefined : (p.scopePermissions as ScopePermissions | undefined);
  return { declared, effective: declared ?? 'SCOPE_PERMISSIONS_OVERRIDE_PARENT' };
}

/**
 * In a scope that needs its parent's consent, a conditional ALLOW becomes "DENY unless the
 * condition holds", and unconditional ALLOWs only defer to the parent (done in the engine).
 */
function consentRewrite(row: RuleRow, declared: ScopePermissions | undefined): RuleRow {
  if (declared === 'SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS' && row.effect === 'EFFECT_ALLOW' && row.condition) {
    return { ...row, effect: 'EFFECT_DENY', condition: { none: [row.condition] } };
  }
  return row;
}

function compileResourcePolicy(ctx: Context, rp: ResourcePolicy, topVars: Record<string, string> | undefined, exports: Exports, derivedRolesOf: (name: string) => Map<string, DerivedRole> | undefined, table: PolicyTable) {
  const scope = rp.scope ?? '';
  const key = policyKeyOf('resource', rp.resource, rp.version, scope);
  const resource = sanitize(rp.resource);
  const params = compileParams(ctx, 'resourcePolicy', rp, topVars, exports);
  const perms = permissionsOf(rp);

  // Derived roles the rules reference, each from exactly one import.
  const imported = new Map<string, DerivedRole[]>();
  (rp.importDerivedRoles ?? []).forEach((name, i) => {
    const set = derivedRolesOf(name);
    if (!exports.derivedRoles.has(name)) return void ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf(['resourcePolicy', 'importDerivedRoles', i]), message: `derived roles import "${name}" cannot be found` });
    for (const dr of set?.values() ?? []) imported.set(dr.name, [...(imported.get(dr.name) ?? []), dr]);
  });
  const referenced = new Map<string, DerivedRole>();
  const rows: RuleRow[] = [];
  const base = { kind: 'resource' as const, policyKey: key, resource, resourceMatches: globMatcher(resource), principal: '', version: rp.version, scope, params };
  (rp.rules ?? []).forEach((rule, i) => {
    const path = ['resourcePolicy', 'rules', i];
    const name = rule.name || `rule-${String(i + 1).padStart(3, '0')}`;
    if (!rule.roles?.length && !rule.derivedRoles?.length) ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf(path), message: `rule ${rule.name || `#${i + 1}`} does not specify any roles or derived roles to match` });
    const condition = compileCondition(ctx, rule.condition, path, params);
    const output = compileOutput(ctx, rule.output, path, params);
    const ruleFqn = `${key}#${name}`;
    const common = { ...base, name, ruleFqn, effect: rule.effect, ...(condition && { condition }), ...(output && { output }) };
    for (const action of new Set(rule.actions)) {
      for (const role of new Set(rule.roles ?? [])) {
        rows.push(consentRewrite({ ...common, role, roleMatches: globMatcher(role), action, actionMatches: globMatcher(action), evaluationKey: `resource:${ruleFqn}` }, perms.declared));
      }
      (rule.derivedRoles ?? []).forEach((drName, j) => {
        const candidates = imported.get(drName) ?? [];
        if (candidates.length !== 1) {
          const message = candidates.length ? `derived role "${drName}" is defined in more than one import` : `derived role "${drName}" is not defined in any imports`;
          if (!ctx.problems.some((p) => p.message === message && p.file === ctx.policy.file)) ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf([...path, 'derivedRoles', j]), message });
          return;
        }
        const dr = candidates[0]!;
        referenced.set(drName, dr);
        for (const role of dr.parentRoles) {
          rows.push(consentRewrite({ ...common, role, roleMatches: globMatcher(role), action, actionMatches: globMatcher(action), derivedRole: dr, evaluationKey: `derived:${drName}#${ruleFqn}` }, perms.declared));
        }
      });
    }
  });
  if (!rp.rules?.length) rows.push({ ...base, name: '', ruleFqn: '', effect: 'EFFECT_DENY', role: '', roleMatches: () => false, action: '', actionMatches: () => false, evaluationKey: '', placeholder: true });
  table.add({ key, kind: 'resource', name: resource, version: rp.version, scope, derivedRoles: referenced }, rows, perms.effective);
}

function compilePrincipalPolicy(ctx: Context, pp: PrincipalPolicy, topVars: Record<string, string> | undefined, exports: Exports, table: PolicyTable) {
  const scope = pp.scope ?? '';
  const key = policyKeyOf('principal', pp.principal, pp.version, scope);
  const params = compileParams(ctx, 'principalPolicy', pp, topVars, exports);
  const perms = permissionsOf(pp);
  const rows: RuleRow[] = [];
  const base = { kind: 'principal' as const, policyKey: key, principal: pp.principal, version: pp.version, scope, params, role: '*', roleMatches: globMatcher('*') };
  const seen = new Set<string>();
  (pp.rules ?? []).forEach((rule, i) => {
    if (seen.has(rule.resource)) ctx.problems.push({ file: ctx.policy.file, position: ctx.policy.positionOf(['principalPolicy', 'rules', i, 'resource']), message: `duplicate resource "${rule.resource}" at rule #${i + 1}` });
    seen.add(rule.resource);
    const resource = sanitize(rule.resource);
    rule.actions.forEach((a, j) => {
      const path = ['principalPolicy', 'rules', i, 'actions', j];
      const name = a.name || `${rule.resource}_rule-${String(j + 1).padStart(3, '0')}`;
      const condition = compileCondition(ctx, a.condition, path, params);
      const output = compileOutput(ctx, a.output, path, params);
      const ruleFqn = `${key}#${name}`;
      rows.push(consentRewrite({ ...base, resource, resourceMatches: globMatcher(resource), name, ruleFqn, effect: a.effect, action: a.action, actionMatches: globMatcher(a.action), ...(condition && { condition }), ...(output && { output }), evaluationKey: `principal:${ruleFqn}` }, perms.declared));
    });
  });
  if (!pp.rules?.length) rows.push({ ...base, resource: '', resourceMatches: () => false, name: '', ruleFqn: '', effect: 'EFFECT_DENY', action: '', actionMatches: () => false, evaluationKey: '', placeholder: true });
  table.add({ key, kind: 'principal', name: pp.principal, version: pp.version, scope, derivedRoles: new Map() }, rows, perms.effective);
}
