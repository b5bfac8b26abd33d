import type { RbacResource, RbacRole } from './model.ts';

/**
 * An environment's schema compiled for checks: which actions each resource has, and which
 * `resource:action` permissions each role grants once `extends` and `resource:*` are expanded.
 */
export class PermissionIndex {
  private readonly actions = new Map<string, Set<string>>();
  private readonly grants = new Map<string, Set<string>>();

  constructor(resources: RbacResource[], roles: RbacRole[]) {
    for (const r of resources) this.actions.set(r.key, new Set(Object.keys(r.actions)));
    const byKey = new Map(roles.map((r) => [r.key, r]));
    for (const role of roles) {
      const granted = new Set<string>();
      // Roles reachable through `extends`; a cycle (refused on write) would simply stop here.
      const seen = new Set<string>();
      const stack = [role.key];
      while (stack.length) {
        const key = stack.pop()!;
        if (seen.has(key)) continue;
        seen.add(key);
        const r = byKey.get(key);
        if (!r) continue;
        for (const p of r.permissions) {
          const [resource, action] = p.split(':') as [string, string];
          if (action === '*') for (const a of this.actions.get(resource) ?? []) granted.add(`${resource}:${a}`);
          else granted.add(p);
        }
        stack.push(...r.extends);
      }
      this.grants.set(role.key, granted);
    }
  }

  hasResource(resource: string): boolean {
    return this.actions.has(resource);
  }

  hasAction(resource: string, action: string): boolean {
    return this.actions.get(resource)?.has(action) ?? false;
  }

  roleGrants(role: string, resource: string, action: string): boolean {
    return this.grants.get(role)?.has(`${resource}:${action}`) ?? false;
  }

  /** Every `resource:action` a role grants. */
  permissionsOf(role: string): string[] {
    return [...(this.grants.get(role) ?? [])];
  }
}
