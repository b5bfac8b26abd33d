import type { CompiledExpression } from './cel/expressions.ts';
import { globMatcher, type Matcher } from './glob.ts';

/**
 * Compiled Cerbos policies as one table of rows, one per (rule, action, role), as Cerbos' own
 * rule table has them, so that decisions follow its evaluation order and quirks exactly.
 */
export type Effect = 'EFFECT_ALLOW' | 'EFFECT_DENY';
export type ScopePermissions = 'SCOPE_PERMISSIONS_OVERRIDE_PARENT' | 'SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS';
export type PolicyKind = 'resource' | 'principal';

export type CompiledCondition = { expr: CompiledExpression } | { all: CompiledCondition[] } | { any: CompiledCondition[] } | { none: CompiledCondition[] };

/** Constants and ordered variables that a rule's or derived role's expressions see. */
export interface Params {
  /** Identifies the set, so that one request evaluates each set's variables once. */
  key: string;
  constants: Map<string, unknown>;
  variables: Array<{ name: string; expr: CompiledExpression }>;
}

export interface DerivedRole {
  name: string;
  parentRoles: Set<string>;
  condition?: CompiledCondition;
  params: Params;
}

export interface RuleRow {
  kind: PolicyKind;
  /** Key of the policy the row came from, e.g. `resource.contact.vdefault/acme`. */
  policyKey: string;
  resource: string;
  resourceMatches: Matcher;
  role: string;
  roleMatches: Matcher;
  action: string;
  actionMatches: Matcher;
  /** Empty for resource policies. */
  principal: string;
  version: string;
  scope: string;
  name: string;
  /** `<policy key>#<rule name>`, as outputs name their source. */
  ruleFqn: string;
  effect: Effect;
  condition?: CompiledCondition;
  derivedRole?: DerivedRole;
  params: Params;
  output?: { ruleActivated?: CompiledExpression; conditionNotMet?: CompiledExpression };
  /** Same key, same condition outcome within one request. */
  evaluationKey: string;
  /** A placeholder row of a policy without rules: makes the policy exist, matches nothing. */
  placeholder?: boolean;
}

export interface PolicyMeta {
  key: string;
  kind: PolicyKind;
  name: string;
  version: string;
  scope: string;
  /** The derived roles its rules reference, by name (resource policies). */
  derivedRoles: Map<string, DerivedRole>;
}

export class PolicyTable {
  private readonly rows: RuleRow[] = [];
  /** Scopes in which any policy of the kind exists, across all names and versions, as Cerbos keeps them. */
  private readonly scopes = { resource: new Set<string>(), principal: new Set<string>() };
  private readonly scopePermissions = new Map<string, ScopePermissions>();
  private readonly policies = new Map<string, PolicyMeta>();
  private readonly queryCache = new Map<string, RuleRow[]>();

  add(meta: PolicyMeta, rows: RuleRow[], scopePermissions: ScopePermissions): void {
    this.policies.set(meta.key, meta);
    this.scopes[meta.kind].add(meta.scope);
    this.scopePermissions.set(meta.scope, scopePermissions);
    this.rows.push(...rows);
  }

  policy(key: string): PolicyMeta | undefined {
    return this.policies.get(key);
  }

  get size(): number {
    return this.policies.size;
  }

  permissionsOf(scope: string): ScopePermissions | undefined {
    return this.scopePermissions.get(scope);
  }

  /**
   * The scopes to evaluate, most specific first, and the policy key reported for the chain:
   * the requested scope (unless no policy of the kind has it and the search is strict) and its
   * ancestors that some policy of the kind has.
   */
  scopeChain(kind: PolicyKind, scope: string, name: string, version: string, lenient: boolean): { scopes: string[]; policyKey: string } {
    const known = this.scopes[kind];
    const scopes: string[] = [];
    let policyKey = '';
    if (known.has(scope)) {
      scopes.push(scope);
      policyKey = policyKeyOf(kind, name, version, scope);
    } else if (!lenient) return { scopes, policyKey };
    for (let i = scope.length - 1; i >= 0; i--) {
      if (scope[i] === '.' || i === 0) {
        const parent = scope.slice(0, i);
        if (known.has(parent)) {
          scopes.push(parent);
          if (!policyKey) policyKey = policyKeyOf(kind, name, version, parent);
        }
      }
    }
    return { scopes, policyKey };
  }

  resourcePolicyExists(version: string, resource: string, scopes: string[]): boolean {
    return this.remember(`r\u0000${version}\u0000${resource}${scopeKey(scopes)}`, () => this.rows.some((r) => r.kind === 'resource' && r.version === version && scopes.includes(r.scope) && r.resourceMatches(resource)));
  }

  principalPolicyExists(version: string, scopes: string[]): boolean {
    return this.remember(`p\u0000${version}${scopeKey(scopes)}`, () => this.rows.some((r) => r.kind === 'principal' && r.version === version && scopes.includes(r.scope)));
  }

  private readonly existsCache = new Map<string, boolean>();
  private remember(key: string, compute: () => boolean): boolean {
    let hit = this.existsCache.get(key);
    if (hit === undefined) {
      hit = compute();
      if (this.existsCache.size > 50_000) this.existsCache.clear();
      this.existsCache.set(key, hit);
    }
    return hit;
  }

  /** Rows that apply, in table order. The table never changes once built, so answers are cached. */
  query(kind: PolicyKind, version: string, resource: string, scope: string, action: string, role: string, principal: string): RuleRow[] {
    const key = `${kind}\u0000${version}\u0000${resource}\u0000${scope}\u0000${action}\u0000${role}\u0000${principal}`;
    let hit = this.queryCache.get(key);
    if (!hit) {
      hit = this.rows.filter(
        (r) =>
          !r.placeholder &&
          r.kind === kind &&
          r.version === version &&
          r.scope === scope &&
          (kind === 'resource' || r.principal === principal) &&
          r.resourceMatches(resource) &&
          r.actionMatches(action) &&
          r.roleMatches(role),
      );
      // Requests choose the keys, so the cache is bounded.
      if (this.queryCache.size > 50_000) this.queryCache.clear();
      this.queryCache.set(key, hit);
    }
    return hit;
  }
}

/** A key for a list of scopes that tells `[]` from `[""]`. */
function scopeKey(scopes: string[]): string {
  let key = '';
  for (const s of scopes) key += `\u0001${s}`;
  return key;
}

export function policyKeyOf(kind: PolicyKind, name: string, version: string, scope: string): string {
  const key = `${kind}.${sanitize(name)}.v${sanitize(version)}`;
  return scope ? `${key}/${scope}` : key;
}

const OLD_NAME = /^[A-Za-z][\w@.\-/]*(:[A-Za-z][\w@.\-/]*)*$/;

/**
 * Before Cerbos 0.30, names were restricted and their other characters became `_`; Cerbos still
 * folds names that fit the old pattern that way, so `a-b` and `a_b` name the same resource.
 */
const sanitized = new Map<string, string>();
export function sanitize(name: string): string {
  let s = sanitized.get(name);
  if (s === undefined) {
    s = OLD_NAME.test(name) ? name.replace(/[^\w.]+/g, '_') : name;
    if (sanitized.size > 10_000) sanitized.clear();
    sanitized.set(name, s);
  }
  return s;
}

export function matcher(pattern: string): Matcher {
  return globMatcher(pattern);
}
