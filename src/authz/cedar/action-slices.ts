import { cedarWasm, parseTemplate } from './cedar.ts';
import { policySetOf } from './policy-set.ts';
import type { Policy, PolicyTemplate } from './model.ts';

/** Slices kept per store; a store with more distinct requested actions decides the rest on its full set. */
const MAX_SLICES = 64;

const uidKey = (type: string, id: string) => `${type}::${JSON.stringify(id)}`;

/**
 * Per-action subsets of a store's policies. Cedar checks a policy's scope before its conditions, so a
 * policy whose action constraint cannot match the request's action is never satisfied and never
 * errs: leaving it out changes no decision, reason or error, and the engine clones and evaluates
 * only the policies that could apply. Inclusion errs towards keeping a policy (`==` is treated like
 * `in`, an unknown hierarchy means "no parents" only when the request brings no action entities).
 */
export class ActionSlices {
  private readonly slices = new Map<string, string>();

  constructor(
    private readonly storeKey: string,
    private readonly policies: Policy[],
    private readonly templates: PolicyTemplate[],
    /** The action and its action groups, transitively, as the schema declares them. */
    private readonly groupsOf: (type: string, id: string) => Set<string>,
  ) {}

  /** The engine key of the policy set to decide `action` with. */
  keyFor(action: { type: string; id: string }): string {
    const key = uidKey(action.type, action.id);
    const known = this.slices.get(key);
    if (known !== undefined) return known;
    if (this.slices.size >= MAX_SLICES) return this.storeKey;
    const matches = this.groupsOf(action.type, action.id);
    matches.add(key);
    // A linked policy takes its actions from its template as the template reads now.
    const templateActions = new Map(this.templates.map((t) => [t.id, parseTemplate(t.statement).actions]));
    const applies = (p: Policy) => {
      const actions = (p.templateId !== undefined && templateActions.get(p.templateId)) || p.actions;
      return actions.length === 0 || actions.some((a) => matches.has(uidKey(a.actionType, a.actionId)));
    };
    const policies = this.policies.filter(applies);
    const used = new Set(policies.map((p) => p.templateId));
    const parts = policySetOf({ policies, templates: this.templates.filter((t) => used.has(t.id)) });
    const sliceKey = `${this.storeKey}\u0000${key}`;
    const parsed = cedarWasm.preparsePolicySet(sliceKey, parts);
    // The full set parsed, so a subset does too; if not, the full set still decides correctly.
    const chosen = parsed.type === 'success' ? sliceKey : this.storeKey;
    this.slices.set(key, chosen);
    return chosen;
  }

  /** Frees the slices inside the engine (after the store is deleted). */
  release(): void {
    for (const key of this.slices.values()) if (key !== this.storeKey) cedarWasm.preparsePolicySet(key, { staticPolicies: {} });
    this.slices.clear();
  }
}
