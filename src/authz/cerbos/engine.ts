import { type CelInput, type CelResult, isCelError } from '@bufbuild/cel';
import { type CelBindings, type CompiledExpression, evaluationClock } from './cel/expressions.ts';
import { fromCel, toCel } from './cel/values.ts';
import type { CompiledCondition, DerivedRole, Effect, Params, PolicyKind, PolicyTable, RuleRow } from './policy-table.ts';
import { policyKeyOf, sanitize } from './policy-table.ts';

export interface CheckPrincipal {
  id: string;
  roles: string[];
  attr: Record<string, unknown>;
  policyVersion?: string;
  scope?: string;
}

export interface CheckResource {
  kind: string;
  id: string;
  attr: Record<string, unknown>;
  policyVersion?: string;
  scope?: string;
}

export interface CheckInput {
  principal: CheckPrincipal;
  resource: CheckResource;
  actions: string[];
  /** Verified JWT claims, seen as `request.auxData.jwt`. */
  auxData?: { jwt?: Record<string, unknown> };
}

export interface ActionEffect {
  effect: Effect;
  policy: string;
  scope: string;
}

export interface OutputEntry {
  src: string;
  action: string;
  val?: unknown;
  error?: string;
}

export interface CheckOutput {
  actions: Map<string, ActionEffect>;
  effectiveDerivedRoles: string[];
  outputs: OutputEntry[];
}

export interface EngineOptions {
  defaultPolicyVersion: string;
  defaultScope: string;
  lenientScopeSearch: boolean;
  globals: Record<string, unknown>;
  now(): number;
}

const NO_MATCH = 'NO_MATCH';
type Decision = { effect: Effect | 'NO_MATCH'; policy: string; scope: string };

/**
 * Decides a check exactly as Cerbos' rule table does (`internal/ruletable/check.go` in Cerbos
 * 0.55): principal policies first, then resource policies; per role, scopes from the most
 * specific up, a DENY ends a scope, an ALLOW ends it unless the scope wants its parent's consent;
 * any role's ALLOW wins. The comments mark where Cerbos' behaviour is surprising but kept.
 */
export function check(table: PolicyTable, input: CheckInput, options: EngineOptions, prepared?: PreparedPrincipal): CheckOutput {
  evaluationClock.nowMs = options.now();
  const { principal, resource } = input;
  const effects = new Map<string, ActionEffect>();
  const effectiveDerivedRoles = new Set<string>();
  const outputs: OutputEntry[] = [];
  const finish = () => output(input.actions, effects, effectiveDerivedRoles, outputs);

  const { resourceVersion, kind, principalChain, resourceChain, principalExists, resourceExists } = policiesFor(table, principal, resource, options);
  if (!principalExists && !resourceExists) return finish();

  const ev = new Evaluation(input, options, prepared ?? preparePrincipal(principal));
  const allRoles = new Set(principal.roles);
  const derivedRolesByScope = new Map<string, string[]>();

  for (const action of new Set(input.actions)) {
    let decided: Decision = { effect: NO_MATCH, policy: '', scope: '' };
    for (const pt of ['principal', 'resource'] as PolicyKind[]) {
      const chain = pt === 'principal' ? principalChain : resourceChain;
      const exists = pt === 'principal' ? principalExists : resourceExists;
      decided.effect = NO_MATCH;
      for (let i = 0; i < principal.roles.length; i++) {
        // Principal rules match any role, so one pass covers them.
        if (i > 0 && pt === 'principal') break;
        const role = principal.roles[i]!;
        let hasAllow = false;
        const roleDecision: Decision = { effect: NO_MATCH, policy: exists ? chain.policyKey : NO_MATCH, scope: '' };
        scopes: for (const scope of chain.scopes) {
          if (pt === 'resource') {
            let roles = derivedRolesByScope.get(scope);
            if (!roles) {
              roles = ev.derivedRoles(table.policy(policyKeyOf('resource', resource.kind, resourceVersion, scope))?.derivedRoles, allRoles);
              derivedRolesByScope.set(scope, roles);
              for (const r of roles) effectiveDerivedRoles.add(r);
            }
            // Cerbos keeps the last resource scope's derived roles in its context, and its
            // principal-policy pass for the next action sees them too; so does this one.
            ev.runtimeRoles = roles;
          }
          const rows = table.query(pt, resourceVersion, kind, scope, action, role, pt === 'principal' ? principal.id : '');
          for (const row of rows) {
            const satisfied = ev.ruleSatisfied(row);
            // Cerbos skips a row whose derived role does not hold the first time it meets it, and
            // answers from its cache (reporting `conditionNotMet`) the times after.
            if (satisfied === 'derived-role-unmet') continue;
            if (satisfied) {
              if (row.output?.ruleActivated) outputs.push(ev.output(row, action, row.output.ruleActivated));
              if (row.effect === 'EFFECT_ALLOW') hasAllow = true;
              else {
                roleDecision.effect = 'EFFECT_DENY';
                roleDecision.scope = scope;
                break scopes;
              }
            } else if (row.output?.conditionNotMet) outputs.push(ev.output(row, action, row.output.conditionNotMet));
          }
          if (hasAllow) {
            const perms = table.permissionsOf(scope);
            if (perms === 'SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS') hasAllow = false;
            else if (perms === 'SCOPE_PERMISSIONS_OVERRIDE_PARENT') {
              roleDecision.effect = 'EFFECT_ALLOW';
              roleDecision.scope = scope;
              break;
            }
          }
        }
        if (decided.effect === NO_MATCH) decided = { ...roleDecision };
        if (roleDecision.effect === 'EFFECT_ALLOW') {
          decided = { ...roleDecision };
          break;
        }
      }
      if (decided.effect !== NO_MATCH) break;
    }
    effects.set(action, { effect: decided.effect === NO_MATCH ? 'EFFECT_DENY' : decided.effect, policy: decided.policy, scope: decided.scope });
  }
  return finish();
}

/**
 * The policy chains a request reaches: principal and resource policies, by version (the default
 * when unset) and scope (the default when unset, its ancestors after it), and whether any exist.
 */
export function policiesFor(table: PolicyTable, principal: Pick<CheckPrincipal, 'id' | 'policyVersion' | 'scope'>, resource: Pick<CheckResource, 'kind' | 'policyVersion' | 'scope'>, options: EngineOptions) {
  const principalVersion = principal.policyVersion || options.defaultPolicyVersion;
  const resourceVersion = resource.policyVersion || options.defaultPolicyVersion;
  const kind = sanitize(resource.kind);
  const principalChain = table.scopeChain('principal', trimScope(principal.scope || options.defaultScope), principal.id, principalVersion, options.lenientScopeSearch);
  const resourceChain = table.scopeChain('resource', trimScope(resource.scope || options.defaultScope), resource.kind, resourceVersion, options.lenientScopeSearch);
  // A chain without scopes has no policy; Cerbos answers NO_MATCH without looking further.
  const principalExists = principalChain.scopes.length > 0 && table.principalPolicyExists(principalVersion, principalChain.scopes);
  const resourceExists = resourceChain.scopes.length > 0 && table.resourcePolicyExists(resourceVersion, kind, resourceChain.scopes);
  return { resourceVersion, kind, principalChain, resourceChain, principalExists, resourceExists };
}

/** A resource as CEL sees it; a plan's resource has no id yet. */
export function prepareResource(r: Pick<CheckResource, 'kind' | 'attr' | 'policyVersion' | 'scope'> & { id?: string }): Map<string, CelInput> {
  return new Map<string, CelInput>([
    ['kind', r.kind],
    ['id', r.id ?? ''],
    ['attr', toCel(r.attr)],
    ['policyVersion', r.policyVersion ?? ''],
    ['scope', trimScope(r.scope ?? '')],
  ]);
}

/** `request`, as CEL sees it: the principal, the resource and the verified JWT claims. */
export function prepareRequest(principal: PreparedPrincipal, resource: Map<string, CelInput>, jwt: Record<string, unknown> | undefined): Map<string, CelInput> {
  return new Map<string, CelInput>([
    ['principal', principal],
    ['resource', resource],
    ['auxData', jwt ? new Map([['jwt', toCel(jwt)]]) : NO_AUX_DATA],
  ]);
}

/** Output errors are shown to callers; say them in cel-go's words, as Cerbos does. */
const CEL_GO_MESSAGES: Array<[RegExp, string]> = [
  [/^field not found: (.*)$/, 'no such key: $1'],
  [/^found no matching overload.*$/, 'no such overload'],
  [/^.*divide by zero.*$/, 'division by zero'],
  [/^.*modulus by zero.*$/, 'modulus by zero'],
  [/^int overflow.*$/, 'integer overflow'],
  [/^uint overflow.*$/, 'unsigned integer overflow'],
  [/^Invalid time zone specified: (.*)$/, 'unknown time zone $1'],
];

function celGoMessage(message: string): string {
  for (const [re, replacement] of CEL_GO_MESSAGES) if (re.test(message)) return message.replace(re, replacement);
  return message;
}

function output(actions: string[], effects: Map<string, ActionEffect>, derivedRoles: Set<string>, outputs: OutputEntry[]): CheckOutput {
  const out = new Map<string, ActionEffect>();
  for (const a of actions) out.set(a, effects.get(a) ?? { effect: 'EFFECT_DENY', policy: NO_MATCH, scope: '' });
  return { actions: out, effectiveDerivedRoles: [...derivedRoles].sort(), outputs };
}

const globalsMaps = new WeakMap<object, CelInput>();
export function globalsMap(globals: Record<string, unknown>): CelInput {
  let m = globalsMaps.get(globals);
  if (m === undefined) {
    m = toCel(globals);
    globalsMaps.set(globals, m);
  }
  return m;
}

const NO_AUX_DATA: CelInput = new Map([['jwt', new Map()]]);

/**
 * A principal as CEL sees it. Convert it once with `preparePrincipal` to check it against many
 * resources; `check` converts it itself otherwise.
 */
export type PreparedPrincipal = Map<string, CelInput>;

export function preparePrincipal(p: CheckPrincipal): PreparedPrincipal {
  return new Map<string, CelInput>([
    ['id', p.id],
    ['roles', p.roles],
    ['attr', toCel(p.attr)],
    ['policyVersion', p.policyVersion ?? ''],
    ['scope', trimScope(p.scope ?? '')],
  ]);
}

function trimScope(scope: string): string {
  return scope.startsWith('.') ? scope.slice(1) : scope;
}

/** One request's evaluation state: its bindings and the caches Cerbos keeps per request. */
class Evaluation {
  runtimeRoles: string[] = [];
  private readonly request: Map<string, CelInput>;
  private readonly principal: Map<string, CelInput>;
  private readonly resource: Map<string, CelInput>;
  private readonly globals: CelInput;
  private readonly variableCache = new Map<string, Map<string, CelInput>>();
  private readonly conditionCache = new Map<string, boolean>();
  private runtimeFor: string[] | undefined;
  private runtime: CelInput = new Map();

  constructor(input: CheckInput, options: EngineOptions, principal: PreparedPrincipal) {
    this.principal = principal;
    this.resource = prepareResource(input.resource);
    this.request = prepareRequest(principal, this.resource, input.auxData?.jwt);
    this.globals = globalsMap(options.globals);
  }

  /** The derived roles of a policy that the principal's roles and their conditions grant. */
  derivedRoles(defs: Map<string, DerivedRole> | undefined, roles: Set<string>): string[] {
    const out: string[] = [];
    for (const [name, dr] of defs ?? []) {
      if (!dr.parentRoles.has('*') && ![...dr.parentRoles].some((r) => roles.has(r))) continue;
      if (this.satisfies(dr.condition, dr.params) === true) out.push(name);
    }
    return out;
  }

  /** Whether a row's derived role and condition hold, cached per request as Cerbos caches them. */
  ruleSatisfied(row: RuleRow): boolean | 'derived-role-unmet' {
    const cached = this.conditionCache.get(row.evaluationKey);
    if (cached !== undefined) return cached;
    if (row.derivedRole?.condition && !this.satisfies(row.derivedRole.condition, row.derivedRole.params)) {
      this.conditionCache.set(row.evaluationKey, false);
      return 'derived-role-unmet';
    }
    const ok = this.satisfies(row.condition, row.params);
    this.conditionCache.set(row.evaluationKey, ok);
    return ok;
  }

  output(row: RuleRow, action: string, expr: CompiledExpression): OutputEntry {
    const result = expr.evaluate(this.bindings(row.params));
    if (isCelError(result)) return { src: row.ruleFqn, action, error: celGoMessage(result.message) };
    try {
      return { src: row.ruleFqn, action, val: fromCel(result) };
    } catch (e) {
      return { src: row.ruleFqn, action, error: (e as Error).message };
    }
  }

  private satisfies(condition: CompiledCondition | undefined, params: Params): boolean {
    if (!condition) return true;
    if ('expr' in condition) {
      const v: CelResult = condition.expr.evaluate(this.bindings(params));
      // A CEL error makes the condition false (Cerbos' non-strict mode); any non-bool too.
      if (isCelError(v)) return false;
      return v === true;
    }
    const parts = 'all' in condition ? condition.all : 'any' in condition ? condition.any : condition.none;
    for (const part of parts) {
      const v = this.satisfies(part, params);
      if ('all' in condition && !v) return false;
      if ('any' in condition && v) return true;
      if ('none' in condition && v) return false;
    }
    return !('any' in condition);
  }

  private bindings(params: Params): CelBindings {
    if (this.runtimeFor !== this.runtimeRoles) {
      this.runtimeFor = this.runtimeRoles;
      this.runtime = new Map([['effectiveDerivedRoles', [...this.runtimeRoles].sort()]]);
    }
    const constants = params.constants as Map<string, CelInput>;
    const variables = this.variables(params, constants);
    return { request: this.request, P: this.principal, R: this.resource, runtime: this.runtime, C: constants, constants, V: variables, variables, G: this.globals, globals: this.globals };
  }

  /** A policy's variables, in order; one that fails stays unset, so reading it fails later, as in Cerbos. */
  private variables(params: Params, constants: Map<string, CelInput>): Map<string, CelInput> {
    let values = this.variableCache.get(params.key);
    if (values) return values;
    values = new Map();
    for (const { name, expr } of params.variables) {
      const v = expr.evaluate({ request: this.request, P: this.principal, R: this.resource, runtime: this.runtime, C: constants, constants, V: values, variables: values, G: this.globals, globals: this.globals });
      if (!isCelError(v)) values.set(name, v as CelInput);
    }
    this.variableCache.set(params.key, values);
    return values;
  }
}
