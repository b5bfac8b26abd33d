import type { CelInput } from '@bufbuild/cel';
import { isCelError } from '@bufbuild/cel';
import type { Expr } from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import { type CelBindings, evaluationClock } from './cel/expressions.ts';
import { type PlanKnowledge, type PlanOperand, planDebug, residual } from './cel/residual.ts';
import { type CheckPrincipal, type EngineOptions, globalsMap, policiesFor, preparePrincipal, prepareRequest, prepareResource } from './engine.ts';
import type { CompiledCondition, Params, PolicyKind, PolicyTable, RuleRow } from './policy-table.ts';

export interface PlanInput {
  principal: CheckPrincipal;
  resource: { kind: string; attr: Record<string, unknown>; policyVersion?: string; scope?: string };
  actions: string[];
  auxData?: { jwt?: Record<string, unknown> };
}

export type PlanFilter = { kind: 'KIND_ALWAYS_ALLOWED' } | { kind: 'KIND_ALWAYS_DENIED' } | { kind: 'KIND_CONDITIONAL'; condition: PlanOperand };

export interface PlanOutput {
  filter: PlanFilter;
  filterDebug: string;
  matchedScopes: Record<string, string>;
}

/** A condition while planning: decided, or a residual on the resource. */
type Cond = boolean | PlanOperand;

const and = (parts: Cond[]): Cond => {
  if (parts.includes(false)) return false;
  const rest = parts.filter((p): p is PlanOperand => p !== true);
  return rest.length === 0 ? true : rest.length === 1 ? rest[0]! : { expression: { operator: 'and', operands: rest } };
};
const or = (parts: Cond[]): Cond => {
  if (parts.includes(true)) return true;
  const rest = parts.filter((p): p is PlanOperand => p !== false);
  return rest.length === 0 ? false : rest.length === 1 ? rest[0]! : { expression: { operator: 'or', operands: rest } };
};
const not = (c: Cond): Cond => {
  if (typeof c === 'boolean') return !c;
  if ('expression' in c && c.expression.operator === 'not') return c.expression.operands[0]!;
  return { expression: { operator: 'not', operands: [c] } };
};

/**
 * PlanResources: which resources of a kind the principal may act on, as a filter over resource
 * attributes. Each action's answer is the check algorithm written as a formula (a DENY in a scope
 * wins, an ALLOW ends the scope chain, any role's ALLOW wins, principal policies first), with every
 * condition partially evaluated against what the request tells.
 */
export function planResources(table: PolicyTable, input: PlanInput, options: EngineOptions): PlanOutput {
  evaluationClock.nowMs = options.now();
  const { principal, resource } = input;
  const { resourceVersion, kind, principalChain, resourceChain, principalExists, resourceExists } = policiesFor(table, principal, resource, options);
  const knowledge = new Knowledge(table, input, options);

  const matchedScopes: Record<string, string> = {};
  const perAction: Cond[] = [];
  let anyRow = false;
  for (const action of input.actions) {
    const rowsOf = (pt: PolicyKind, scope: string, role: string) => table.query(pt, resourceVersion, kind, scope, action, role, pt === 'principal' ? principal.id : '');
    const chainFormula = (pt: PolicyKind, scopes: string[], role: string, fallback: Cond): Cond => {
      let result = fallback;
      for (const scope of [...scopes].reverse()) {
        const rows = rowsOf(pt, scope, role);
        const overrides = table.permissionsOf(scope) === 'SCOPE_PERMISSIONS_OVERRIDE_PARENT';
        const denies = or(rows.filter((r) => r.effect === 'EFFECT_DENY').map((r) => knowledge.rowCondition(r)));
        const allows = or(overrides ? rows.filter((r) => r.effect === 'EFFECT_ALLOW').map((r) => knowledge.rowCondition(r)) : []);
        result = and([not(denies), or([allows, result])]);
      }
      return result;
    };
    /**
     * The scope Cerbos reports: walking from the most specific, the last overriding scope with rules
     * that count (a DENY that never holds does not), stopping at an ALLOW that always holds;
     * principal scopes after resource scopes.
     */
    const matchedIn = (pt: PolicyKind, scopes: string[], role: string): string | undefined => {
      let matched: string | undefined;
      for (const scope of scopes) {
        if (table.permissionsOf(scope) !== 'SCOPE_PERMISSIONS_OVERRIDE_PARENT') continue;
        const rows = rowsOf(pt, scope, role).filter((r) => !(r.effect === 'EFFECT_DENY' && knowledge.rowCondition(r) === false));
        if (rows.length) matched = scope;
        if (rows.some((r) => r.effect === 'EFFECT_ALLOW' && knowledge.rowCondition(r) === true)) break;
      }
      return matched;
    };
    let scopeOfMatch: string | undefined;
    if (resourceExists) for (const role of principal.roles) scopeOfMatch = matchedIn('resource', resourceChain.scopes, role) ?? scopeOfMatch;
    if (principalExists && principal.roles.length) scopeOfMatch = matchedIn('principal', principalChain.scopes, principal.roles[0]!) ?? scopeOfMatch;
    const resourceResult = resourceExists ? or(principal.roles.map((role) => chainFormula('resource', resourceChain.scopes, role, false))) : false;
    const result = principalExists && principal.roles.length ? chainFormula('principal', principalChain.scopes, principal.roles[0]!, resourceResult) : resourceResult;
    if (scopeOfMatch !== undefined) anyRow = true;
    matchedScopes[action] = scopeOfMatch ?? '';
    perAction.push(result);
  }
  const combined = and(perAction);
  const filter: PlanFilter = combined === true ? { kind: 'KIND_ALWAYS_ALLOWED' } : combined === false ? { kind: 'KIND_ALWAYS_DENIED' } : { kind: 'KIND_CONDITIONAL', condition: combined };
  const filterDebug = combined === false && !anyRow ? 'NO_MATCH' : typeof combined === 'boolean' ? `(${combined})` : planDebug(combined);
  return { filter, filterDebug, matchedScopes };
}

/** The request's known values, per set of constants and variables. */
class Knowledge {
  private readonly base: Omit<CelBindings, 'C' | 'constants' | 'V' | 'variables'>;
  private readonly knownAttrs: Set<string>;
  private readonly perParams = new Map<string, PlanKnowledge>();
  private readonly runtimeByPolicy = new Map<string, { key: string; roles: string[] | PlanOperand }>();
  private readonly principalRoles: string[];

  constructor(
    private readonly table: PolicyTable,
    input: PlanInput,
    options: EngineOptions,
  ) {
    this.principalRoles = input.principal.roles;
    const principal = preparePrincipal(input.principal);
    const resource = prepareResource(input.resource);
    const request = prepareRequest(principal, resource, input.auxData?.jwt);
    const globals = globalsMap(options.globals);
    this.base = { request, P: principal, R: resource, runtime: new Map([['effectiveDerivedRoles', []]]), G: globals, globals };
    this.knownAttrs = new Set(Object.keys(input.resource.attr));
  }

  rowCondition(row: RuleRow): boolean | PlanOperand {
    const runtime = row.kind === 'resource' ? this.runtimeRoles(row.policyKey) : undefined;
    const rule = this.condition(row.condition, row.params, runtime);
    if (!row.derivedRole) return rule;
    return and([this.condition(row.derivedRole.condition, row.derivedRole.params), rule]);
  }

  /**
   * `runtime.effectiveDerivedRoles` for a resource policy's rules: the derived roles it uses whose
   * parents the principal has, each present when its condition holds. Known when every condition
   * is; otherwise Cerbos' form, `(add (if cond ["role"] []) … ["known roles"])`.
   */
  private runtimeRoles(policyKey: string): { key: string; roles: string[] | PlanOperand } | undefined {
    let hit = this.runtimeByPolicy.get(policyKey);
    if (hit === undefined) {
      const known: string[] = [];
      const conditional: PlanOperand[] = [];
      for (const [name, dr] of this.table.policy(policyKey)?.derivedRoles ?? []) {
        if (!dr.parentRoles.has('*') && !this.principalRoles.some((r) => dr.parentRoles.has(r))) continue;
        const c = this.condition(dr.condition, dr.params);
        if (c === true) known.push(name);
        else if (c !== false) conditional.push({ expression: { operator: 'if', operands: [c, { value: [name] }, { value: [] }] } });
      }
      known.sort();
      let roles: string[] | PlanOperand = known;
      if (conditional.length) {
        const parts: PlanOperand[] = [...conditional, { value: known }];
        roles = parts.reduce((a, b) => ({ expression: { operator: 'add', operands: [a, b] } }));
      }
      hit = { key: policyKey, roles };
      this.runtimeByPolicy.set(policyKey, hit);
    }
    return hit;
  }

  private condition(c: CompiledCondition | undefined, params: Params, runtime?: { key: string; roles: string[] | PlanOperand }): boolean | PlanOperand {
    if (!c) return true;
    if ('expr' in c) {
      const r = residual(c.expr.expr, this.knowledge(params, runtime));
      if ('unknown' in r) return r.unknown;
      // An error, or a value that is not a bool, does not satisfy a condition.
      return !isCelError(r.known) && r.known === true;
    }
    if ('all' in c) return and(c.all.map((x) => this.condition(x, params, runtime)));
    if ('any' in c) return or(c.any.map((x) => this.condition(x, params, runtime)));
    return not(or(c.none.map((x) => this.condition(x, params, runtime))));
  }

  private knowledge(params: Params, runtime?: { key: string; roles: string[] | PlanOperand }): PlanKnowledge {
    const cacheKey = runtime ? `${params.key}\u0000${runtime.key}` : params.key;
    let k = this.perParams.get(cacheKey);
    if (!k) {
      const constants = params.constants as Map<string, CelInput>;
      const variables = new Map<string, CelInput>();
      const variableExprs = new Map<string, Expr>(params.variables.map((v) => [v.name, v.expr.expr]));
      const roles = runtime?.roles;
      const runtimeBinding: CelInput = new Map([['effectiveDerivedRoles', Array.isArray(roles) ? roles : []]]);
      k = { bindings: { ...this.base, runtime: runtimeBinding, C: constants, constants, V: variables, variables }, knownResourceAttrs: this.knownAttrs, variableExprs, ...(roles && !Array.isArray(roles) && { runtimeRoles: roles }) };
      // Variables that do not read the resource are computed once, in order.
      for (const v of params.variables) {
        const r = residual(v.expr.expr, k);
        if ('known' in r && !isCelError(r.known)) variables.set(v.name, r.known as CelInput);
      }
      this.perParams.set(cacheKey, k);
    }
    return k;
  }
}
