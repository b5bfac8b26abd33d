/** Read-only questions about a Cedar JSON schema that mapping tokens to entities needs. */
export class SchemaView {
  private readonly schema: Record<
    string,
    {
      entityTypes?: Record<string, { memberOfTypes?: string[]; shape?: { type?: string; attributes?: Record<string, unknown> } }>;
      actions?: Record<string, { memberOf?: Array<{ id: string; type?: string }> }>;
    }
  >;
  private actionParents?: Map<string, string[]>;

  constructor(json: string) {
    this.schema = JSON.parse(json);
  }

  private entityType(qualified: string) {
    const cut = qualified.lastIndexOf('::');
    const namespace = cut < 0 ? '' : qualified.slice(0, cut);
    const name = cut < 0 ? qualified : qualified.slice(cut + 2);
    const decl = this.schema[namespace]?.entityTypes?.[name];
    return decl && { namespace, decl };
  }

  /** Attribute names the schema declares for an entity type, or undefined when it does not declare the type. */
  attributesOf(entityType: string): Set<string> | undefined {
    const found = this.entityType(entityType);
    if (!found) return undefined;
    return new Set(Object.keys(found.decl.shape?.attributes ?? {}));
  }

  /** Whether entities of `child` may have parents of type `parent`. Undeclared types: we cannot tell, so yes. */
  allowsParent(child: string, parent: string): boolean {
    const found = this.entityType(child);
    if (!found) return true;
    return (found.decl.memberOfTypes ?? []).some((t) => t === parent || (found.namespace !== '' && `${found.namespace}::${t}` === parent));
  }

  /**
   * The action groups an action belongs to, transitively, as `Type::"id"` keys. A relative group
   * type is read both ways (in the namespace and at the top), which can only add groups.
   */
  actionGroupsOf(type: string, id: string): Set<string> {
    if (!this.actionParents) {
      this.actionParents = new Map();
      for (const [namespace, ns] of Object.entries(this.schema)) {
        const own = namespace === '' ? 'Action' : `${namespace}::Action`;
        for (const [name, action] of Object.entries(ns.actions ?? {})) {
          const parents = (action.memberOf ?? []).flatMap((m) => {
            if (m.type === undefined) return [`${own}::${JSON.stringify(m.id)}`];
            const types = namespace !== '' && !m.type.startsWith(`${namespace}::`) ? [m.type, `${namespace}::${m.type}`] : [m.type];
            return types.map((t) => `${t}::${JSON.stringify(m.id)}`);
          });
          this.actionParents.set(`${own}::${JSON.stringify(name)}`, parents);
        }
      }
    }
    const found = new Set<string>();
    const queue = [...(this.actionParents.get(`${type}::${JSON.stringify(id)}`) ?? [])];
    while (queue.length > 0) {
      const next = queue.pop() as string;
      if (found.has(next)) continue;
      found.add(next);
      queue.push(...(this.actionParents.get(next) ?? []));
    }
    return found;
  }
}
