/**
 * Helpers for the Cerbos engine, CEL and planner specifications: policies written inline as YAML,
 * compiled the way the server compiles a policy directory, and engine options with a fixed clock.
 */
import { compilePolicies } from '../../../src/authz/cerbos/compiler.ts';
import { type CheckInput, type CheckOutput, type CheckPrincipal, type CheckResource, type EngineOptions, check } from '../../../src/authz/cerbos/engine.ts';
import { parsePolicySource } from '../../../src/authz/cerbos/policy-documents.ts';
import type { Effect, PolicyTable } from '../../../src/authz/cerbos/policy-table.ts';

/** The instant every engine in these tests takes as `now()`: 2024-06-15T12:00:00Z. */
export const NOW = Date.parse('2024-06-15T12:00:00Z');

/** Cerbos' defaults (version `default`, no scope, strict scope search, no globals) and the fixed clock. */
export function engineOptions(overrides: Partial<EngineOptions> = {}): EngineOptions {
  return { defaultPolicyVersion: 'default', defaultScope: '', lenientScopeSearch: false, globals: {}, now: () => NOW, ...overrides };
}

/**
 * A template tag for inline YAML: removes the indentation common to all lines, so policies can be
 * indented with the code that holds them.
 */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** Compiles policy sources (each one or more `---`-separated YAML documents) into one rule table. */
export function compile(...sources: string[]): PolicyTable {
  return compilePolicies(sources.flatMap((text, i) => parsePolicySource(`policy-${i}.yaml`, text)));
}

export function principal(id: string, roles: string[], attr: Record<string, unknown> = {}, extra: Partial<CheckPrincipal> = {}): CheckPrincipal {
  return { id, roles, attr, ...extra };
}

export function resource(kind: string, attr: Record<string, unknown> = {}, extra: Partial<CheckResource> = {}): CheckResource {
  return { kind, id: 'r1', attr, ...extra };
}

/** A check of the given actions. */
export function request(p: CheckPrincipal, r: CheckResource, actions: string[]): CheckInput {
  return { principal: p, resource: r, actions };
}

/** The effect of each action. */
export function effects(table: PolicyTable, input: CheckInput, options: EngineOptions = engineOptions()): Record<string, Effect> {
  const out = check(table, input, options);
  return Object.fromEntries([...out.actions].map(([action, e]) => [action, e.effect]));
}

/** The effect of each action with the policy and scope that decided it, as `[effect, policy, scope]`. */
export function decisions(table: PolicyTable, input: CheckInput, options: EngineOptions = engineOptions()): Record<string, [Effect, string, string]> {
  const out: CheckOutput = check(table, input, options);
  return Object.fromEntries([...out.actions].map(([action, e]) => [action, [e.effect, e.policy, e.scope]]));
}

/** Whether one action is allowed. */
export function allowed(table: PolicyTable, input: Omit<CheckInput, 'actions'>, action: string, options: EngineOptions = engineOptions()): boolean {
  return check(table, { ...input, actions: [action] }, options).actions.get(action)?.effect === 'EFFECT_ALLOW';
}
